using FreesoundTagging.Audio;
using FreesoundTagging.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace FreesoundTagging.Tests.Audio;

public class ResamplerTests(ITestOutputHelper output)
{
    [Fact]
    public void UpsamplesLikeResampyKaiserBest()
    {
        using var native = AudioDecoder.OpenMono(Golden.PathOf("wav/mix_22k_pcm16.wav"));
        float[] x = native.ReadToEnd();
        float[] expected = Golden.LoadFloats("original/mix_22k_pcm16.y44100.npy");

        float[] y = Resample(x, 22050, 44100);

        Assert.Equal(expected.Length, y.Length);
        double error = Golden.MaxAbsDifference(y, expected);
        output.WriteLine($"mix_22k_pcm16 22050 -> 44100: max |Resampler - resampy| = {error:G3} over {y.Length} samples");
        Assert.True(error < 1e-5, $"max abs error {error}");
    }

    [Theory]
    [InlineData(48000, 44100)]
    [InlineData(44100, 22050)]
    [InlineData(44100, 16000)]
    [InlineData(16000, 44100)]
    [InlineData(8000, 44100)]
    [InlineData(22050, 44100)]
    public void MatchesResampyAtOtherRatios(int sourceRate, int targetRate)
    {
        // golden/resampy/generate.py: resampy 0.4.2 on a 4801-sample tone + noise mix, padded like librosa 0.6.
        float[] x = Golden.LoadFloats("resampy/x.npy");
        float[] expected = Golden.LoadFloats($"resampy/y_{sourceRate}_{targetRate}.npy");

        float[] y = Resample(x, sourceRate, targetRate);

        Assert.Equal(expected.Length, y.Length);
        double error = Golden.MaxAbsDifference(y, expected);
        output.WriteLine($"{sourceRate} -> {targetRate}: max |Resampler - resampy| = {error:G3} over {y.Length} samples");
        Assert.True(error < 1e-5, $"max abs error {error}");
    }

    [Theory]
    [InlineData(22050, 22050, 44100, 44100)]
    [InlineData(1001, 48000, 44100, 920)] // 919.66875 rounds up
    [InlineData(10, 3, 2, 7)]
    [InlineData(0, 22050, 44100, 0)]
    [InlineData(13230, 44100, 44100, 13230)]
    [InlineData(7, 44100, 16000, 3)] // 2.539...
    public void OutputLengthIsLibrosasCeiling(int inputLength, int sourceRate, int targetRate, int expected)
    {
        Assert.Equal(expected, Resampler.OutputLength(inputLength, sourceRate, targetRate));
        Assert.Equal(expected, Resample(new float[inputLength], sourceRate, targetRate).Length);
    }

    [Fact]
    public void FixLengthPadsWithAZeroWhenResampyComesUpShort()
    {
        // int(1001 * 0.91875) = 919 samples from resampy; librosa pads to 920.
        float[] x = Enumerable.Repeat(0.5f, 1001).ToArray();
        float[] y = Resample(x, 48000, 44100);
        Assert.Equal(920, y.Length);
        Assert.Equal(0f, y[^1]);
        Assert.NotEqual(0f, y[^2]);
    }

    [Fact]
    public void DownsamplingKeepsAToneBelowNyquistAndRemovesOneAbove()
    {
        const int source = 48000, target = 44100;
        float[] Tone(double hz) => Enumerable.Range(0, source).Select(i => (float)Math.Sin(2 * Math.PI * hz * i / source)).ToArray();

        float[] kept = Resample(Tone(1000), source, target);
        double worst = 0;
        for (int t = 2000; t < kept.Length - 2000; t++)
            worst = Math.Max(worst, Math.Abs(kept[t] - Math.Sin(2 * Math.PI * 1000 * t / target)));
        output.WriteLine($"1 kHz tone 48k -> 44.1k: max error away from the edges {worst:G3}");
        Assert.True(worst < 1e-4, $"1 kHz tone distorted by {worst}");

        // 23 kHz is above the new Nyquist (22.05 kHz): kaiser_best's stop band should leave almost nothing.
        float[] removed = Resample(Tone(23000), source, target);
        double peak = removed.Skip(2000).Take(removed.Length - 4000).Max(v => Math.Abs(v));
        output.WriteLine($"23 kHz tone 48k -> 44.1k: residual peak {peak:G3}");
        Assert.True(peak < 1e-3, $"23 kHz tone leaks at {peak}");
    }

    [Fact]
    public void FilterTableMatchesResampysShippedOneAndBesselI0KnownValues()
    {
        // Values of resampy 0.4.2's shipped data/kaiser_best.npz "half_window".
        (int Index, double Value)[] shipped =
        [
            (0, 0.917347), (1, 0.9173469810437871), (4096, 0.6308682342417472), (8192, 0.08152366085960197),
            (12345, -0.1958621408879107), (100000, -0.010423416696039906), (204800, 0.0004977740407401609),
            (409599, -5.294637177101325e-08), (409600, -5.289331422066904e-08),
        ];
        Assert.Equal(409601, KaiserBestFilter.Length);
        foreach (var (index, value) in shipped)
            Assert.True(Math.Abs(KaiserBestFilter.Window(index) - value) < 1e-14, $"tap {index}: {KaiserBestFilter.Window(index):R} vs {value:R}");
        Assert.Equal(KaiserBestFilter.Window(101) - KaiserBestFilter.Window(100), KaiserBestFilter.Delta(100));
        Assert.Equal(0.0, KaiserBestFilter.Delta(KaiserBestFilter.Length - 1));
        Assert.Equal(1.0, KaiserBestFilter.BesselI0(0));
        Assert.Equal(1.2660658777520082, KaiserBestFilter.BesselI0(1), 1e-15);
        Assert.Equal(2815.716628466254, KaiserBestFilter.BesselI0(10), 1e-15 * 2815.7);
    }

    [Fact]
    public void RejectsNonPositiveRates()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Resample([1f], 0, 44100));
        Assert.Throws<ArgumentOutOfRangeException>(() => Resample([1f], 44100, -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Resampler.OutputLength(1, 44100, 0));
    }

    /// <summary>The production path: the clip resampled as it is read, in reads of up to a block.</summary>
    private static float[] Resample(float[] x, int sourceRate, int targetRate)
    {
        using var source = new ResamplingSource(new RaggedSource(x, sourceRate, 16 * 1024), targetRate);
        return source.ReadToEnd();
    }
}
