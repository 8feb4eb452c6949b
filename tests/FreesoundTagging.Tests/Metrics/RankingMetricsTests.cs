using FreesoundTagging.Metrics;
using Xunit;

namespace FreesoundTagging.Tests.Metrics;

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
}
