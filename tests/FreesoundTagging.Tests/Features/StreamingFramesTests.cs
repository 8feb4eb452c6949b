using FreesoundTagging.Audio;
using FreesoundTagging.Features;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.Features;

/// <summary>The streamed log-mel is the one framed directly on the whole centre-padded clip (<see cref="WholeClipLogMel"/>),
/// bit for bit, at every block boundary a source could give, and holds a bounded window.</summary>
public class StreamingFramesTests
{
    private static readonly FeatureConfig Small = FeatureConfig.Original with { FftSize = 256, HopLength = 100, MelCount = 16, FMaxHz = 7500 };

    public static TheoryData<int, int, StftPadMode> Lengths()
    {
        var data = new TheoryData<int, int, StftPadMode>();
        // Around the window (FftSize 2048: left padding needs FftSize samples), the hop (441), the refill block
        // (16384) and several blocks; 1 to 3 samples reflect more than once.
        int[] lengths = [1, 2, 3, 5, 1023, 1024, 1025, 1026, 2046, 2047, 2048, 2049, 4096, 441 * 40, 16383, 16384, 16385, 16384 + 2048, 16384 + 1025, 3 * 16384 + 441 * 7 + 3, 100_000];
        foreach (int length in lengths)
            foreach (var mode in new[] { StftPadMode.Reflect, StftPadMode.Constant })
                foreach (int chunk in new[] { 1 << 20, 997, length % 3 == 0 ? 1 : 64 })
                    if (chunk > 64 || length < 20_000) data.Add(length, chunk, mode);
        return data;
    }

    [Theory]
    [MemberData(nameof(Lengths))]
    public void StreamedLogMelIsTheWholeClipsBitForBit(int length, int largestChunk, StftPadMode mode)
    {
        var config = FeatureConfig.Original with { PadMode = mode };
        var samples = Samples(length);
        var extractor = new LogMelExtractor(config);

        LogMel whole = new WholeClipLogMel(config).Extract(samples);
        LogMel streamed = extractor.Extract(new RaggedSource(samples, config.SampleRate, largestChunk));

        Assert.Equal(whole.Frames, streamed.Frames);
        Assert.Equal(whole.MelCount, streamed.MelCount);
        Assert.Equal(whole.Values, streamed.Values);
    }

    [Fact]
    public void EveryLengthOfASmallWindowMatches()
    {
        // FftSize 256, hop 100: every short length (reflections that wrap, frames that straddle the ends), cheaply;
        // reads of at most 50 samples make every frame wait for several.
        var extractor = new LogMelExtractor(Small);
        var reference = new WholeClipLogMel(Small);
        var samples = Samples(1200);
        for (int length = 1; length <= samples.Length; length += length < 300 ? 1 : 37)
        {
            var clip = samples.AsSpan(0, length).ToArray();
            Assert.Equal(reference.Extract(clip).Values, extractor.Extract(new RaggedSource(clip, Small.SampleRate, 50, seed: length)).Values);
        }
    }

    [Fact]
    public void HoldsOneWindowAndOneBlockWhateverTheLength()
    {
        var config = FeatureConfig.Original;
        // Two minutes of audio that never exists as an array.
        var source = RaggedSource.Synthetic(2L * 60 * 44100, config.SampleRate, 40_000);
        var frames = new StreamingFrames(config);
        frames.Begin(source);
        int count = 0;
        while (frames.Next()) count++;

        Assert.Equal(config.FrameCount(source.LengthHint), count);
        Assert.Equal(config.FftSize + 16 * 1024, frames.WindowCapacity);
        Assert.True(source.LargestRequest <= config.FftSize + 16 * 1024, $"asked for {source.LargestRequest} samples at once");
    }

    [Fact]
    public void EmptySourceIsAnEmptyClip()
    {
        var e = Assert.Throws<InvalidAudioException>(() => new LogMelExtractor(FeatureConfig.Original).Extract(new RaggedSource([], 44100, 10)));
        Assert.Contains("empty clip", e.Message);
    }

    [Fact]
    public void SourceAtAnotherRateIsRefused() =>
        Assert.Throws<ArgumentException>(() => new LogMelExtractor(FeatureConfig.Original).Extract(new RaggedSource(new float[10], 48000, 10)));

    private static float[] Samples(int length)
    {
        var random = new Random(length);
        return Enumerable.Range(0, length).Select(i => (float)(0.5 * Math.Sin(i * 0.05) + 0.1 * (random.NextDouble() - 0.5))).ToArray();
    }
}
