using FreesoundTagging.Audio;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.Audio;

/// <summary>Streamed WAV decoding averages each block to mono with the whole-clip arithmetic: the samples are
/// WholeClipDecoder.ReadWav(...).ToMono()'s, bit for bit, at every block boundary.</summary>
public class WavMonoSourceTests
{
    public static TheoryData<int, int, int> Cases()
    {
        var data = new TheoryData<int, int, int>();
        foreach (int bits in new[] { 8, 16, 24, 32, -32, -64 })
            foreach (int channels in new[] { 1, 2, 3 })
            {
                // The decoder reads 64 KiB blocks of whole frames: shorter than one, on and around the boundaries.
                int blockFrames = 64 * 1024 / (channels * Math.Abs(bits) / 8);
                foreach (int frames in new[] { 0, 1, 5, blockFrames - 1, blockFrames, blockFrames + 1, 2 * blockFrames + blockFrames / 2 + 3 })
                    data.Add(bits, channels, frames);
            }
        return data;
    }

    /// <param name="bits">Negative for IEEE float.</param>
    [Theory]
    [MemberData(nameof(Cases))]
    public void StreamedMonoIsTheWholeClipsToMonoBitForBit(int bits, int channels, int frames)
    {
        byte[] wav = Wav(bits, channels, frames, new Random(frames + channels), declaredFrames: null);
        float[] expected = WholeClipDecoder.ReadWav(new MemoryStream(wav)).ToMono();

        using var source = new WavMonoSource(new MemoryStream(wav), "x.wav");
        float[] streamed = SourceReading.ReadAll(source, new Random(frames));

        Assert.Equal(expected, streamed);
        Assert.Equal(frames, source.LengthHint);
        Assert.Equal(frames, source.Position);
        Assert.False(source.Truncated);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void CutShortFileGivesTheFramesPresentAndSaysSo(int channels)
    {
        byte[] wav = Wav(16, channels, 40_000, new Random(3), declaredFrames: 90_000);
        var whole = WholeClipDecoder.ReadWav(new MemoryStream(wav));

        using var source = new WavMonoSource(new MemoryStream(wav), "x.wav");
        Assert.Equal(whole.ToMono(), SourceReading.ReadAll(source, new Random(4)));
        Assert.True(source.Truncated);
        Assert.True(whole.Truncated);
    }

    [Fact]
    public void NonFiniteSampleInALaterBlockIsNamedAsTheWholeReaderNamesIt()
    {
        var values = Enumerable.Range(0, 2 * 40_000).Select(i => i == 2 * 30_000 + 1 ? float.PositiveInfinity : 0.25f).ToArray();
        byte[] wav = new WavBuilder().Fmt(WavBuilder.IeeeFloat, 2, 44100, 32).Data(WavBuilder.Float32(values)).ToArray();
        var expected = Assert.Throws<InvalidAudioException>(() => WholeClipDecoder.ReadWav(new MemoryStream(wav), "x.wav"));

        using var source = new WavMonoSource(new MemoryStream(wav), "x.wav");
        var e = Assert.Throws<InvalidAudioException>(() => SourceReading.ReadAll(source, new Random(1)));
        Assert.Equal(expected.Message, e.Message);
        Assert.Contains("sample 60001 (frame 30000, channel 1) is infinite", e.Message);
    }

    [Fact]
    public void NotAWavIsInvalidAudioAndTheStreamIsClosed()
    {
        var stream = new MemoryStream("RIFF\0\0\0\0JUNKjunk"u8.ToArray());
        Assert.Throws<InvalidAudioException>(() => new WavMonoSource(stream, "x.wav"));
        Assert.False(stream.CanRead);
    }

    internal static byte[] Wav(int bits, int channels, int frames, Random random, int? declaredFrames)
    {
        int count = frames * channels;
        byte[] data = bits switch
        {
            -32 => WavBuilder.Float32(Enumerable.Range(0, count).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray()),
            -64 => WavBuilder.Float64(Enumerable.Range(0, count).Select(_ => random.NextDouble() * 2 - 1).ToArray()),
            _ => RandomBytes(count * bits / 8, random),
        };
        int bytesPerFrame = channels * Math.Abs(bits) / 8;
        uint? declared = declaredFrames is { } d ? (uint)(d * bytesPerFrame) : null;
        return new WavBuilder().Fmt(bits < 0 ? WavBuilder.IeeeFloat : WavBuilder.Pcm, channels, 44100, Math.Abs(bits)).Data(data, declared).ToArray();
    }

    private static byte[] RandomBytes(int count, Random random)
    {
        var bytes = new byte[count];
        random.NextBytes(bytes);
        return bytes;
    }
}
