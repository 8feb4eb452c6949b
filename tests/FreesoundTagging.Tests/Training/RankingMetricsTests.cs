using FreesoundTagging.Training;
using Xunit;

namespace FreesoundTagging.Tests.Training;

public class RankingMetricsTests
{
    [Fact]
    public void TopKIsBestFirstAndTiesGoToTheLowerIndex()
    {
        Assert.Equal(new[] { 2, 0, 3 }, RankingMetrics.TopK(new float[] { 0.3f, 0.1f, 0.5f, 0.3f }, 3));
        Assert.Equal(new[] { 0, 1, 2 }, RankingMetrics.TopK(new float[] { 1, 1, 1, 1 }, 3));
        Assert.Equal(new[] { 1, 0 }, RankingMetrics.TopK(new float[] { 1, 2 }, 3));
    }

    [Fact]
    public void Map3MatchesHandComputedCases()
    {
        // Row 0: truth ranked 1st (1). Row 1: 2nd (1/2). Row 2: 3rd (1/3). Row 3: 4th (0).
        float[] scores =
        [
            0.9f, 0.05f, 0.03f, 0.02f,
            0.5f, 0.4f, 0.05f, 0.05f,
            0.4f, 0.3f, 0.2f, 0.1f,
            0.4f, 0.3f, 0.2f, 0.1f,
        ];
        int[] truth = [0, 1, 2, 3];
        Assert.Equal((1 + 0.5 + 1 / 3.0 + 0) / 4, RankingMetrics.MeanAveragePrecisionAt3(scores, 4, truth), 12);
        Assert.Equal(0.25, RankingMetrics.Accuracy(scores, 4, truth), 12);
    }

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
