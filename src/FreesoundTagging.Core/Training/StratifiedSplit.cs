namespace FreesoundTagging.Training;

/// <summary>A train/validation split that keeps each class's share (as sklearn's stratified split).</summary>
public static class StratifiedSplit
{
    /// <summary>
    /// Puts round(fraction × n_c) rows of each class c in validation (at least one when the class has two or
    /// more rows and fraction &gt; 0), chosen by <paramref name="seed"/>. Returns sorted row indices.
    /// </summary>
    public static (int[] Train, int[] Validation) Split(IReadOnlyList<int> labels, double fraction, int seed)
    {
        if (fraction is < 0 or >= 1) throw new InvalidInputException($"validation fraction must be in [0, 1) (got {fraction})");
        if (fraction == 0) return (Enumerable.Range(0, labels.Count).ToArray(), []);
        var random = new Random(seed);
        var train = new List<int>();
        var validation = new List<int>();
        foreach (var group in Enumerable.Range(0, labels.Count).GroupBy(i => labels[i]).OrderBy(g => g.Key))
        {
            int[] rows = group.ToArray();
            random.Shuffle(rows);
            int take = (int)Math.Round(fraction * rows.Length, MidpointRounding.AwayFromZero);
            if (take == 0 && rows.Length >= 2) take = 1;
            if (take >= rows.Length) take = rows.Length - 1;
            validation.AddRange(rows[..take]);
            train.AddRange(rows[take..]);
        }
        train.Sort();
        validation.Sort();
        return (train.ToArray(), validation.ToArray());
    }
}
