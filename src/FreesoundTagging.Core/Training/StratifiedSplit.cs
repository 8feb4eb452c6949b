using FreesoundTagging.Recipes;
namespace FreesoundTagging.Training;

/// <summary>A train/validation split that keeps each class's share (as sklearn's stratified split).</summary>
public static class StratifiedSplit
{
    /// <summary>
    /// Puts round(fraction × n_c) rows of each class c in validation (at least one when the class has two or
    /// more rows and fraction &gt; 0), chosen by <paramref name="seed"/>. Returns sorted row indices.
    /// </summary>
    public static (int[] Train, int[] Validation) Split(IReadOnlyList<int> labels, double fraction, int seed) => Split(labels, fraction, seed, eligible: null);

    /// <summary>
    /// As <see cref="Split(IReadOnlyList{int}, double, int)"/>, but only rows with <paramref name="eligible"/>[i] may be
    /// held out, round(fraction × eligible rows of the class) of each class (at least one where the class has an
    /// eligible row and two or more rows; never all of a class's rows). Null: every row is eligible, the same split.
    /// </summary>
    /// <exception cref="InvalidInputException">No row is eligible while fraction &gt; 0.</exception>
    public static (int[] Train, int[] Validation) Split(IReadOnlyList<int> labels, double fraction, int seed, IReadOnlyList<bool>? eligible)
    {
        if (fraction is < 0 or >= 1) throw new InvalidInputException($"validation fraction must be in [0, 1) (got {fraction})");
        if (eligible is not null && eligible.Count != labels.Count) throw new ArgumentException($"expected one flag per row ({labels.Count}), got {eligible.Count}", nameof(eligible));
        if (fraction == 0) return (Enumerable.Range(0, labels.Count).ToArray(), []);
        var random = new Random(seed);
        var train = new List<int>();
        var validation = new List<int>();
        foreach (var group in Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]).OrderBy(g => g.Key))
        {
            int[] rows = group.ToArray();
            // Shuffled whatever is eligible, so the draws of the next classes do not depend on it.
            random.Shuffle(rows);
            int[] candidates = eligible is null ? rows : rows.Where(i => eligible[i]).ToArray();
            int take = (int)Math.Round(fraction * candidates.Length, MidpointRounding.AwayFromZero);
            if (take == 0 && candidates.Length >= 1 && rows.Length >= 2) take = 1;
            take = Math.Min(take, rows.Length - 1);
            var held = candidates[..take];
            validation.AddRange(held);
            train.AddRange(rows.Except(held));
        }
        if (eligible is not null && validation.Count == 0)
            throw new InvalidInputException("no row has a manually verified label to validate on (train.csv's manually_verified column); drop --val-verified-only");
        train.Sort();
        validation.Sort();
        return (train.ToArray(), validation.ToArray());
    }

    /// <summary>The train/validation rows of a run with these options: fold <paramref name="fold"/> with --folds, or
    /// its held-out share (of the verified rows only, with <see cref="TrainingOptions.ValidateVerifiedOnly"/>).</summary>
    public static (int[] Train, int[] Validation) ForRun(TrainingOptions options, int fold, IReadOnlyList<int> labels, IReadOnlyList<bool> verified, int seed) =>
        options.Folds >= 2
            ? Fold(labels, options.Folds, fold, seed)
            : Split(labels, options.ValidationFraction, seed, options.ValidateVerifiedOnly ? verified : null);

    /// <summary>
    /// Stratified K-fold: each class's rows, shuffled by <paramref name="seed"/>, are dealt to the folds in turn
    /// (continuing where the previous class stopped, so fold sizes differ by at most one). Returns each row's
    /// fold in [0, K). A class with fewer than K rows is missing from some folds' validation sets.
    /// </summary>
    public static int[] Folds(IReadOnlyList<int> labels, int folds, int seed)
    {
        if (folds < 2) throw new InvalidInputException($"folds must be at least 2 (got {folds})");
        if (labels.Count < folds) throw new InvalidInputException($"{folds} folds need at least {folds} rows (got {labels.Count})");
        var random = new Random(unchecked(seed * 31 + folds));
        var assignment = new int[labels.Count];
        int next = 0;
        foreach (var group in Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]).OrderBy(g => g.Key))
        {
            int[] rows = group.ToArray();
            random.Shuffle(rows);
            foreach (int row in rows) assignment[row] = next++ % folds;
        }
        return assignment;
    }

    /// <summary>Rows outside fold <paramref name="fold"/> for training, inside it for validation, both sorted.</summary>
    public static (int[] Train, int[] Validation) Fold(IReadOnlyList<int> labels, int folds, int fold, int seed)
    {
        int[] assignment = Folds(labels, folds, seed);
        var all = Enumerable.Range(0, labels.Count);
        return (all.Where(i => assignment[i] != fold).ToArray(), all.Where(i => assignment[i] == fold).ToArray());
    }
}
