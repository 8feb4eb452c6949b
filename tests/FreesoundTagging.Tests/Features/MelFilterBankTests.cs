using FreesoundTagging.Features;
using NWaves.Utils;
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
        double[,] actual = MelFilterBank.Create(config).ToDense();

        Assert.Equal(new[] { mels, nFft / 2 + 1 }, shape);
        Assert.Equal(shape[0], actual.GetLength(0));
        Assert.Equal(shape[1], actual.GetLength(1));
        double worst = 0;
        for (int m = 0; m < shape[0]; m++)
            for (int k = 0; k < shape[1]; k++)
                worst = Math.Max(worst, Math.Abs(actual[m, k] - expected[m * shape[1] + k]));
        output.WriteLine($"{golden}: worst |diff| = {worst:E3}");
        // NWaves builds the bank in float32: about 1e-9 absolute on weights of at most ~0.03.
        Assert.True(worst <= 1e-8, $"worst filter-bank error {worst}");
    }

    [Fact]
    public void TheSparseProjectionIsTheDenseMatrixProduct()
    {
        var bank = MelFilterBank.Create(FeatureConfig.Original);
        double[,] dense = bank.ToDense();
        var random = new Random(3);
        var power = Enumerable.Range(0, bank.BinCount).Select(_ => random.NextDouble() * 10).ToArray();
        var mel = new double[bank.MelCount];
        bank.Apply(power, mel);
        for (int m = 0; m < bank.MelCount; m++)
        {
            double expected = 0;
            for (int k = 0; k < bank.BinCount; k++) expected += dense[m, k] * power[k];
            Assert.Equal(expected, mel[m], 1e-12 * Math.Max(1, Math.Abs(expected)));
        }
        int nonZero = bank.Filters.Sum(f => f.Weights.Length);
        output.WriteLine($"{nonZero} stored weights of {bank.MelCount * bank.BinCount}");
        Assert.True(nonZero < bank.MelCount * bank.BinCount / 20);
    }

    [Fact]
    public void EachFilterIsNonNegativeAndPeaksAtItsMelCentre()
    {
        var config = FeatureConfig.Original;
        double[,] w = MelFilterBank.Create(config).ToDense();
        double lo = Scale.HerzToMelSlaney(config.FMinHz), hi = Scale.HerzToMelSlaney(config.FMaxHz);
        double binHz = (double)config.SampleRate / config.FftSize;
        for (int m = 0; m < config.MelCount; m++)
        {
            double centre = Scale.MelToHerzSlaney(lo + (hi - lo) * (m + 1) / (config.MelCount + 1));
            int best = 0;
            for (int k = 0; k < w.GetLength(1); k++)
            {
                Assert.True(w[m, k] >= 0);
                if (w[m, k] > w[m, best]) best = k;
            }
            Assert.True(Math.Abs(best * binHz - centre) <= binHz, $"filter {m} peaks at {best * binHz} Hz, centre {centre} Hz");
        }
    }

    [Fact]
    public void InvalidSettingsAreAllReportedAtOnce()
    {
        var bad = new FeatureConfig { HopLength = 0, FMinHz = 9000, FMaxHz = 8000, MelCount = -1, FftSize = 1764 };
        var e = Assert.Throws<InvalidSettingsException>(() => MelFilterBank.Create(bad));
        Assert.Equal(4, e.Problems.Count);
        Assert.Contains(e.Problems, p => p.Contains("power of two"));
    }

    [Fact]
    public void AnFMaxAboveNyquistIsAProblemNotACrash()
    {
        // NWaves indexes past the spectrum there (librosa only warns): the settings must never reach it.
        var e = Assert.Throws<InvalidSettingsException>(() => MelFilterBank.Create(FeatureConfig.Original with { SampleRate = 8000 }));
        Assert.Contains(e.Problems, p => p.Contains("Nyquist"));
    }
}
