using FreesoundTagging.Recipes;
using FreesoundTagging.Training;
using Xunit;

namespace FreesoundTagging.Tests.Training;

/// <summary>How training rows are split for validation and grouped into batches.</summary>
public class SplitAndBatchPlanTests
{
    [Fact]
    public void StratifiedSplitKeepsEveryClassInTrainingAndIsDeterministic()
    {
        int[] labels = Enumerable.Range(0, 100).Select(i => i % 5).ToArray();
        var (train, validation) = StratifiedSplit.Split(labels, 0.2, seed: 3);
        Assert.Equal(20, validation.Length);
        Assert.Equal(80, train.Length);
        Assert.All(Enumerable.Range(0, 5), c => Assert.Equal(4, validation.Count(i => labels[i] == c)));
        Assert.Empty(train.Intersect(validation));
        Assert.Equal(validation, StratifiedSplit.Split(labels, 0.2, seed: 3).Validation);
        Assert.NotEqual(validation, StratifiedSplit.Split(labels, 0.2, seed: 4).Validation);
    }

    [Fact]
    public void AVerifiedOnlySplitHoldsOutAShareOfEachClasssVerifiedRowsAndNothingElse()
    {
        // 5 classes of 20 rows; class c has 4c + 2 verified rows (2, 6, 10, 14, 18).
        int[] labels = Enumerable.Range(0, 100).Select(i => i % 5).ToArray();
        bool[] verified = Enumerable.Range(0, 100).Select(i => i / 5 < 4 * (i % 5) + 2).ToArray();
        var (train, validation) = StratifiedSplit.Split(labels, 0.5, seed: 3, verified);

        Assert.All(validation, i => Assert.True(verified[i], $"row {i} is not verified"));
        Assert.Equal([1, 3, 5, 7, 9], Enumerable.Range(0, 5).Select(c => validation.Count(i => labels[i] == c)));
        Assert.Equal(Enumerable.Range(0, 100), train.Concat(validation).Order());
        Assert.Equal(validation, StratifiedSplit.Split(labels, 0.5, seed: 3, verified).Validation);
        Assert.NotEqual(validation, StratifiedSplit.Split(labels, 0.5, seed: 4, verified).Validation);
        // With every row eligible it is the ordinary split, row for row.
        AssertSameSplit(StratifiedSplit.Split(labels, 0.2, seed: 3), StratifiedSplit.Split(labels, 0.2, seed: 3, Enumerable.Repeat(true, 100).ToArray()));
    }

    [Fact]
    public void AClassWithoutVerifiedRowsStaysInTrainingAndAVerifiedOnlyRowIsNeverAClasssLast()
    {
        int[] labels = [0, 0, 0, 0, 1, 1, 1, 1, 2];
        bool[] verified = [true, true, false, false, false, false, false, false, true];
        var (train, validation) = StratifiedSplit.Split(labels, 0.2, seed: 1, verified);
        // Class 0: round(0.2 × 2) = 0, raised to one; class 1: none verified; class 2: its only row stays to train on.
        Assert.Single(validation);
        Assert.True(labels[validation[0]] == 0 && verified[validation[0]]);
        Assert.Equal(8, train.Length);

        var none = Assert.Throws<InvalidInputException>(() => StratifiedSplit.Split(labels, 0.2, seed: 1, new bool[labels.Length]));
        Assert.Contains("manually verified", none.Message);
    }

    [Fact]
    public void ARunSplitsOnVerifiedRowsOnlyWhenItsOptionsSaySo()
    {
        int[] labels = Enumerable.Range(0, 40).Select(i => i % 4).ToArray();
        bool[] verified = Enumerable.Range(0, 40).Select(i => i % 3 == 0).ToArray();
        var options = new TrainingOptions { ValidationFraction = 0.5 };
        AssertSameSplit(StratifiedSplit.Split(labels, 0.5, 7), StratifiedSplit.ForRun(options, 0, labels, verified, 7));
        var checkedOnly = StratifiedSplit.ForRun(options with { ValidateVerifiedOnly = true }, 0, labels, verified, 7);
        AssertSameSplit(StratifiedSplit.Split(labels, 0.5, 7, verified), checkedOnly);
        Assert.All(checkedOnly.Validation, i => Assert.True(verified[i]));
        Assert.Contains("--val-verified-only needs --val-fraction", string.Join("\n", new TrainingOptions { ValidateVerifiedOnly = true }.Problems()));
        Assert.Contains("--val-verified-only and --folds do not combine", string.Join("\n", new TrainingOptions { ValidateVerifiedOnly = true, Folds = 3 }.Problems()));
    }

    private static void AssertSameSplit((int[] Train, int[] Validation) expected, (int[] Train, int[] Validation) actual)
    {
        Assert.Equal(expected.Train, actual.Train);
        Assert.Equal(expected.Validation, actual.Validation);
    }

    [Fact]
    public void BucketedBatchesHoldSimilarLengthsAndCoverEveryRowOnce()
    {
        var frames = Enumerable.Range(0, 200).Select(i => (i * 37) % 300 + 1).ToArray();
        var rows = Enumerable.Range(0, 200).ToArray();
        var batches = BatchPlan.ForEpoch(rows, frames, 10, 250, bucket: true, seed: 1, epoch: 0);
        Assert.Equal(rows, batches.SelectMany(b => b.Rows).Order());
        Assert.All(batches, b => Assert.Equal(Math.Min(250, b.Rows.Max(r => frames[r])), b.Frames));
        double meanCrop = batches.Average(b => b.Frames);
        Assert.True(meanCrop < 250 * 0.8, $"bucketing should crop most batches (mean {meanCrop})");
        var padded = BatchPlan.ForEpoch(rows, frames, 10, 250, bucket: false, seed: 1, epoch: 0);
        Assert.All(padded, b => Assert.Equal(250, b.Frames));
    }
}
