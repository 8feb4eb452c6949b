using FreesoundTagging.Features;
using FreesoundTagging.Recipes;
using FreesoundTagging.Tests.Support;
using FreesoundTagging.Training;
using Xunit;

namespace FreesoundTagging.Tests.Training;

/// <summary>The recording degradations on log-mel crops: each does what it says in the mel power domain, nothing
/// happens without them, and a batch is a function of its seed.</summary>
public class RecordingDegraderTests
{
    private const int Frames = 100, Bands = 64, Size = Frames * Bands;

    /// <summary>The best recipe's features: ln(mel / clip peak + 1e-6), 20 Hz-16 kHz.</summary>
    private static readonly FeatureConfig ClipPeak = new() { LogReference = LogReference.ClipPeak, LogOffset = 1e-6, FMinHz = 20, FMaxHz = 16000 };

    private static readonly FeatureConfig Absolute = FeatureConfig.Original;

    /// <summary>Example i: a tone-like band (8 + 5i) 20 dB above a −60 dB floor, loudest (0) in frames 10-39, silent after 70.</summary>
    private static float[] Batch(int count, FeatureConfig features)
    {
        var x = new float[count * Size];
        for (int i = 0; i < count; i++)
            for (int t = 0; t < Frames; t++)
                for (int b = 0; b < Bands; b++)
                {
                    double power = t >= 70 ? 0 : b == 8 + 5 * i ? (t is >= 10 and < 40 ? 1 : 0.01) : 1e-6 * (1 + (b + t) % 3);
                    x[i * Size + t * Bands + b] = (float)Math.Log(power + features.LogOffset);
                }
        return x;
    }

    private static double[,] Power(float[] x, int example, FeatureConfig features)
    {
        var p = new double[Frames, Bands];
        for (int t = 0; t < Frames; t++)
            for (int b = 0; b < Bands; b++) p[t, b] = Math.Max(Math.Exp(x[example * Size + t * Bands + b]) - features.LogOffset, 0);
        return p;
    }

    private static float[] Degrade(RecordingDegradations o, int seed, int count = 4, FeatureConfig? features = null)
    {
        features ??= ClipPeak;
        var x = Batch(count, features);
        new RecordingDegrader(features, o).Apply(new Random(seed), count, Frames, x);
        return x;
    }

    [Fact]
    public void WithoutDegradationsTheBatchKeepsItsBits()
    {
        Assert.Equal(Batch(4, ClipPeak), Degrade(RecordingDegradations.None, 1));
        // Through the batch augmenter too, with a degrader at hand.
        var x = Batch(4, ClipPeak);
        BatchAugmenter.Apply(Augmentation.None, new Random(1), 4, Frames, Bands, 2, x, new float[8], new float[4], new RecordingDegrader(ClipPeak, RecordingDegradations.None));
        Assert.Equal(Batch(4, ClipPeak), x);
    }

    [Fact]
    public void ABatchIsAFunctionOfItsSeed()
    {
        var all = new RecordingDegradations(0.5, 0.5, 0.5, 0.5, 0.5);
        Assert.Equal(Degrade(all, 7), Degrade(all, 7));
        Assert.NotEqual(Degrade(all, 7), Degrade(all, 8));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    public void ClipPeakFeaturesKeepTheCropsLoudestCellAtItsLevel(int kind)
    {
        var o = kind switch
        {
            0 => RecordingDegradations.None with { Background = 1 },
            1 => RecordingDegradations.None with { Reverb = 1 },
            2 => RecordingDegradations.None with { RandomFilter = 1 },
            3 => RecordingDegradations.None with { Noise = 1 },
            _ => RecordingDegradations.None with { DcOffset = 1 },
        };
        var x = Degrade(o, 3);
        for (int i = 0; i < 4; i++)
            Assert.Equal(Math.Log(1 + 1e-6), x.AsSpan(i * Size, Size).ToArray().Max(), 4);
    }

    [Fact]
    public void NoiseLiesBetween0And25DbBelowTheSignalAndFillsEveryBand()
    {
        var x = Degrade(RecordingDegradations.None with { Noise = 1 }, 11, count: 8, features: Absolute);
        for (int i = 0; i < 8; i++)
        {
            var clean = Power(Batch(8, Absolute), i, Absolute);
            var noisy = Power(x, i, Absolute);
            // Frames 10-39 hold the signal (power 1 in one band); the silent tail (70-99) holds only noise.
            double signal = 0, noise = 0;
            for (int t = 0; t < 70; t++) for (int b = 0; b < Bands; b++) signal += clean[t, b];
            signal /= 70;
            for (int t = 70; t < Frames; t++) for (int b = 0; b < Bands; b++) noise += noisy[t, b];
            noise /= 30;
            double snr = 10 * Math.Log10(signal / noise);
            // The tail's 30 frames average the fluctuation down to within a dB.
            Assert.InRange(snr, -1, 26);
            for (int b = 0; b < Bands; b++) Assert.True(noisy[80, b] > 0, $"band {b} got no noise");
        }
    }

    [Fact]
    public void AFilterBendsBandsBelow2kHzByAtMost6DbAndLowPassesSomeExamplesAbove12kHz()
    {
        var bank = MelFilterBank.Create(Absolute with { FMinHz = 20, FMaxHz = 16000 });
        var features = Absolute with { FMinHz = 20, FMaxHz = 16000 };
        int lowPassed = 0;
        for (int seed = 0; seed < 20; seed++)
        {
            var before = Batch(4, features);
            var x = Degrade(RecordingDegradations.None with { RandomFilter = 1 }, seed, features: features);
            for (int i = 0; i < 4; i++)
            {
                var a = Power(before, i, features);
                var z = Power(x, i, features);
                double topGain = z[20, Bands - 1] / a[20, Bands - 1];
                if (topGain < 1e-3) lowPassed++;
                for (int b = 0; b < Bands; b++)
                {
                    double hz = (bank.Filters[b].FirstBin + bank.Filters[b].Weights.Length) * 44100.0 / 2048;
                    if (hz > 2000 || a[20, b] == 0) continue;
                    double db = 10 * Math.Log10(z[20, b] / a[20, b]);
                    Assert.InRange(db, -6.01, 6.01);
                }
            }
        }
        // Half the filtered examples are low-passed at 2.5-12 kHz, below the top band: 80 examples, ≈ 40.
        Assert.InRange(lowPassed, 20, 60);
    }

    [Fact]
    public void ReverberationLeavesTheSoundsPastAloneAndATailThatDecays()
    {
        var x = Degrade(RecordingDegradations.None with { Reverb = 1 }, 5, features: Absolute);
        var before = Power(Batch(4, Absolute), 0, Absolute);
        var after = Power(x, 0, Absolute);
        const int band = 8;
        // The first frame has no past to echo; the onset at frame 10 is louder than any tail before it.
        Assert.Equal(before[0, band], after[0, band], 6);
        Assert.Equal(before[10, band], after[10, band], 0.05 * before[10, band]);
        // After the loud part ends (frame 40) the band decays, frame by frame, above what it was.
        for (int t = 41; t < 69; t++)
        {
            Assert.True(after[t, band] > before[t, band], $"frame {t} has no tail");
            Assert.True(after[t + 1, band] <= after[t, band] * 1.0001, $"frame {t + 1} grows");
        }
    }

    [Fact]
    public void BackgroundMixesOtherExamplesBelowTheSignalAndOnlyThem()
    {
        var x = Degrade(RecordingDegradations.None with { Background = 1 }, 2, count: 2, features: Absolute);
        var clean0 = Power(Batch(2, Absolute), 0, Absolute);
        var mixed0 = Power(x, 0, Absolute);
        var clean1 = Power(Batch(2, Absolute), 1, Absolute);
        // Example 1's tone (band 13) appears in example 0, 0-20 dB below example 0's tone (the signals' powers are equal).
        double gain = (mixed0[20, 13] - clean0[20, 13]) / clean1[20, 13];
        Assert.InRange(10 * Math.Log10(1 / gain), -0.01, 20.01);
        // Every cell gains the same share of example 1, and nothing else.
        foreach (var (t, b) in new[] { (5, 13), (50, 13), (20, 40), (60, 2), (80, 13) })
            Assert.Equal(clean0[t, b] + gain * clean1[t, b], mixed0[t, b], 1e-3 * (clean0[t, b] + gain * clean1[t, b]));
    }

    [Fact]
    public void ADcOffsetFillsOnlyTheBandsOverTheLowestTwoFftBins()
    {
        var features = Absolute with { FMinHz = 20, FMaxHz = 16000 };
        var bank = MelFilterBank.Create(features);
        var x = Degrade(RecordingDegradations.None with { DcOffset = 1 }, 4, features: features);
        var before = Power(Batch(4, features), 0, features);
        var after = Power(x, 0, features);
        for (int b = 0; b < Bands; b++)
        {
            bool coversDc = bank.Filters[b].Weights.Length > 0 && bank.Filters[b].FirstBin <= 1;
            Assert.True(coversDc == (after[50, b] > before[50, b] * 1.0001), $"band {b}");
        }
        // From 125 Hz (the original's bands) no band sees DC: the offset changes nothing beyond float rounding.
        Assert.Equal(Batch(4, Absolute), Degrade(RecordingDegradations.None with { DcOffset = 1 }, 4, features: Absolute), new Tolerance(1e-4));
    }
}
