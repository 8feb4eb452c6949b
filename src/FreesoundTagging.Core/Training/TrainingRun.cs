using FreesoundTagging.Recipes;
namespace FreesoundTagging.Training;

/// <summary>Which run of a training job a <see cref="Trainer"/> makes: the network it trains (by variant name), the
/// fold it holds out (--folds) and the ensemble member it is (--members). The options say how to train; this says
/// what.</summary>
public sealed record TrainingRun(string Variant, int Fold = 0, int Member = 0)
{
    /// <summary>The seed of member <paramref name="member"/> of a run seeded <paramref name="seed"/>: member 0 is the
    /// run itself, so a one-member run and the first member of an ensemble are the same network.</summary>
    public static int MemberSeed(int seed, int member) => unchecked(seed + member * 1_000_003);

    /// <summary>What is wrong with this run under <paramref name="options"/>, all at once.</summary>
    public IReadOnlyList<string> Problems(Recipes.TrainingOptions options)
    {
        var p = new List<string>();
        if (options.Members >= 2 && (Member < 0 || Member >= options.Members)) p.Add($"member must be in [0, {options.Members}) (got {Member})");
        if (options.Folds >= 2 && (Fold < 0 || Fold >= options.Folds)) p.Add($"fold must be in [0, {options.Folds}) (got {Fold})");
        return p;
    }
}
