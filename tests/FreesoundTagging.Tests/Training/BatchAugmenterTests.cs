using FreesoundTagging.Recipes;
using FreesoundTagging.Training;
using Xunit;

namespace FreesoundTagging.Tests.Training;

public class BatchAugmenterTests
{
    private const int Count = 6, Frames = 10, Bands = 8, Classes = 3;

    private static (float[] Samples, float[] Targets, float[] Weights) Batch()
    {
        var samples = new float[Count * Frames * Bands];
        for (int i = 0; i < Count; i++) samples.AsSpan(i * Frames * Bands, Frames * Bands).Fill(i + 1);
        var targets = new float[Count * Classes];
        for (int i = 0; i < Count; i++) targets[i * Classes + i % Classes] = 1;
        var weights = Enumerable.Range(0, Count).Select(i => i % 2 == 0 ? 1f : 0.25f).ToArray();
        return (samples, targets, weights);
    }

    [Fact]
    public void NoAugmentationChangesNothing()
    {
        var (x, y, w) = Batch();
        var (x0, y0, w0) = Batch();
        BatchAugmenter.Apply(Augmentation.None, new Random(1), Count, Frames, Bands, Classes, x, y, w);
        Assert.Equal(x0, x);
        Assert.Equal(y0, y);
        Assert.Equal(w0, w);
    }

    [Fact]
    public void MixupBlendsImagesTargetsAndWeightsByTheSameMostlySelfWeight()
    {
        var (x, y, w) = Batch();
        BatchAugmenter.Apply(new Augmentation(0.4, SpecAugmentOptions.None, 1), new Random(5), Count, Frames, Bands, Classes, x, y, w);
        bool anyMixed = false;
        for (int i = 0; i < Count; i++)
        {
            var row = y.AsSpan(i * Classes, Classes);
            Assert.Equal(1f, row.ToArray().Sum(), 5);
            // The example's own class keeps at least half the target.
            Assert.True(row[i % Classes] >= 0.5f - 1e-6);
            // Every image value is λ·own + (1 − λ)·partner for the λ read off the target.
            float own = i + 1, value = x[i * Frames * Bands];
            Assert.All(x.AsSpan(i * Frames * Bands, Frames * Bands).ToArray(), v => Assert.Equal(value, v));
            Assert.InRange(w[i], 0.25f - 1e-6f, 1f + 1e-6f);
            anyMixed |= Math.Abs(value - own) > 1e-4;
        }
        Assert.True(anyMixed);
    }

    [Fact]
    public void MasksSetBandsOfFramesAndMelsToTheExampleMean()
    {
        var (x, y, w) = Batch();
        // Distinct values per cell, so the masked cells are recognisable by the mean they take.
        for (int k = 0; k < x.Length; k++) x[k] = k % (Frames * Bands);
        var masks = new SpecAugmentOptions(TimeMasks: 1, TimeMaskFrames: 4, FrequencyMasks: 1, FrequencyMaskBands: 3);
        BatchAugmenter.Apply(new Augmentation(0, masks, 1), new Random(3), Count, Frames, Bands, Classes, x, y, w);
        float mean = (Frames * Bands - 1) / 2f;
        int masked = 0;
        for (int i = 0; i < Count; i++)
        {
            var example = x.AsSpan(i * Frames * Bands, Frames * Bands).ToArray();
            int changed = example.Where((v, k) => v != k).Count();
            Assert.All(example.Where((v, k) => v != k), v => Assert.Equal(mean, v, 4));
            Assert.InRange(changed, 0, 4 * Bands + 3 * Frames);
            masked += changed;
        }
        Assert.True(masked > 0);
    }

    [Fact]
    public void TheSameSeedGivesTheSameBatch()
    {
        var augmentation = new Augmentation(1.0, new SpecAugmentOptions(2, 3, 2, 2), 1);
        var (x1, y1, w1) = Batch();
        var (x2, y2, w2) = Batch();
        BatchAugmenter.Apply(augmentation, new Random(9), Count, Frames, Bands, Classes, x1, y1, w1);
        BatchAugmenter.Apply(augmentation, new Random(9), Count, Frames, Bands, Classes, x2, y2, w2);
        Assert.Equal(x1, x2);
        Assert.Equal(y1, y2);
        Assert.Equal(w1, w2);
    }

    [Theory]
    [InlineData(0.2)]
    [InlineData(1.0)]
    [InlineData(4.0)]
    public void BetaDrawsHaveTheRightMeanAndSpread(double alpha)
    {
        var random = new Random(2);
        var draws = Enumerable.Range(0, 20000).Select(_ => BatchAugmenter.Beta(alpha, random)).ToList();
        double mean = draws.Average(), variance = draws.Sum(d => (d - mean) * (d - mean)) / draws.Count;
        Assert.All(draws, d => Assert.InRange(d, 0, 1));
        Assert.Equal(0.5, mean, 0.02);
        Assert.Equal(1 / (4 * (2 * alpha + 1)), variance, 0.01);
    }
}
