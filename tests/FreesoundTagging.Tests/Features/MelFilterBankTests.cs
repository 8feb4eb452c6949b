using FreesoundTagging.Features;
using Xunit;
using Xunit.Abstractions;

namespace FreesoundTagging.Tests.Features;

public class MelFilterBankTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData("original/melfb.npy", 44100, 2048, 64, 125.0, 7500.0)]
    [InlineData("melfb.slaney_sr44100_nfft2048_64_fmin20_fmax16k.f64.npy", 44100, 2048, 64, 20.0, 16000.0)]
    [InlineData("melfb.librosa_default_sr22050.f64.npy", 22050, 2048, 128, 0.0, 11025.0)]
    public void MatchesLibrosa(string golden, int sr, int nFft, int mels, double fmin, double fmax)
    {
        var config = new FeatureConfig { SampleRate = sr, FftSize = nFft, MelCount = mels, FMinHz = fmin, FMaxHz = fmax };
        var (shape, expected) = Golden.LoadDouble(golden);
        double[,] actual = MelFilterBank.Create(config);

        Assert.Equal(new[] { mels, nFft / 2 + 1 }, shape);
        Assert.Equal(shape[0], actual.GetLength(0));
        Assert.Equal(shape[1], actual.GetLength(1));
        double worst = 0;
        for (int m = 0; m < shape[0]; m++)
            for (int k = 0; k < shape[1]; k++)
                worst = Math.Max(worst, Math.Abs(actual[m, k] - expected[m * shape[1] + k]));
        output.WriteLine($"{golden}: worst |diff| = {worst:E3}");
        Assert.True(worst < 1e-6, $"worst filter-bank error {worst}");
    }

    [Fact]
    public void EachFilterIsNonNegativeAndPeaksAtItsMelCentre()
    {
        var config = FeatureConfig.Original;
        double[,] w = MelFilterBank.Create(config);
        double[] centres = MelScale.Frequencies(config.MelCount + 2, config.FMinHz, config.FMaxHz);
        double binHz = (double)config.SampleRate / config.FftSize;
        for (int m = 0; m < config.MelCount; m++)
        {
            int best = 0;
            for (int k = 0; k < w.GetLength(1); k++)
            {
                Assert.True(w[m, k] >= 0);
                if (w[m, k] > w[m, best]) best = k;
            }
            Assert.True(Math.Abs(best * binHz - centres[m + 1]) <= binHz, $"filter {m} peaks at {best * binHz} Hz, centre {centres[m + 1]} Hz");
        }
    }

    [Fact]
    public void MelScaleRoundTrips()
    {
        foreach (double hz in new[] { 0.0, 125, 999.9, 1000, 1000.1, 7500, 22050 })
            Assert.Equal(hz, MelScale.MelToHz(MelScale.HzToMel(hz)), 9);
    }

    [Fact]
    public void InvalidSettingsAreAllReportedAtOnce()
    {
        var bad = new FeatureConfig { HopLength = 0, FMinHz = 9000, FMaxHz = 8000, MelCount = -1 };
        var e = Assert.Throws<InvalidSettingsException>(() => MelFilterBank.Create(bad));
        Assert.Equal(3, e.Problems.Count);
    }
}
