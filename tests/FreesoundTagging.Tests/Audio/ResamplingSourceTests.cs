using FreesoundTagging.Audio;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.Audio;

/// <summary>Resampling as the samples arrive gives Resampler.Resample's bits (the same float64 loop over the same
/// taps, only windowed), in bounded memory.</summary>
public class ResamplingSourceTests
{
    public static TheoryData<int, int, int, int> Cases()
    {
        var data = new TheoryData<int, int, int, int>();
        // 48 kHz → 44.1 (downsampling widens the filter), 22.05 and 32 kHz → 44.1 (upsampling); lengths shorter than
        // the filter's reach, around it (50-54 samples each side), and across many refill blocks (16384).
        foreach (var (from, to) in new[] { (48000, 44100), (22050, 44100), (32000, 44100), (44100, 16000) })
            foreach (int length in new[] { 1, 2, 7, 53, 54, 55, 108, 109, 110, 1000, 16383, 16384, 16385, 16384 + 109, 50_001 })
                foreach (int chunk in new[] { 1 << 20, 613 })
                    data.Add(from, to, length, chunk);
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void StreamedIsTheWholeArrayResampleBitForBit(int sourceRate, int targetRate, int length, int largestChunk)
    {
        var random = new Random(length);
        float[] input = Enumerable.Range(0, length).Select(i => (float)(0.5 * Math.Sin(i * 0.03) + 0.2 * (random.NextDouble() - 0.5))).ToArray();
        float[] expected = WholeClipResampler.Resample(input, sourceRate, targetRate);

        using var source = new ResamplingSource(new RaggedSource(input, sourceRate, largestChunk), targetRate);
        float[] streamed = ReadAll(source, new Random(length + 1));

        Assert.Equal(expected.Length, source.LengthHint);
        Assert.Equal(expected, streamed);
        Assert.Equal(expected.Length, source.Position);
    }

    [Fact]
    public void WindowStaysAtTheFiltersReachPlusOneBlock()
    {
        using var source = new ResamplingSource(RaggedSource.Synthetic(3_000_000, 48000, 40_000), 44100);
        float[] block = new float[5000];
        long total = 0;
        int got;
        while ((got = source.Read(block)) > 0) total += got;

        Assert.Equal(Resampler.OutputLength(3_000_000, 48000, 44100), total);
        Assert.Equal(2 * Resampler.HalfWidth(44100.0 / 48000) + 16 * 1024, source.WindowCapacity);
    }

    /// <summary>Reads with destinations of random sizes, from 1 sample up.</summary>
    private static float[] ReadAll(IMonoSampleSource source, Random sizes)
    {
        var all = new List<float>();
        var buffer = new float[3000];
        int got;
        while ((got = source.Read(buffer.AsSpan(0, sizes.Next(1, buffer.Length + 1)))) > 0) all.AddRange(buffer.AsSpan(0, got));
        Assert.Equal(0, source.Read(buffer));
        return all.ToArray();
    }
}
