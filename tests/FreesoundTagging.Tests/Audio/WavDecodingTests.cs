using FreesoundTagging.Audio;
using FreesoundTagging.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace FreesoundTagging.Tests.Audio;

/// <summary>
/// The WAV decoding (chunk scanner, fmt parser, data reader, sample scaling) read whole with its channels kept
/// (<see cref="WholeClipDecoder.ReadWav(Stream, string?)"/>); <see cref="WavMonoSourceTests"/> checks the streamed source against it.
/// </summary>
public class WavDecodingTests(ITestOutputHelper output)
{
    private static AudioClip Read(byte[] bytes) => WholeClipDecoder.ReadWav(new MemoryStream(bytes), "test.wav");

    [Theory]
    [MemberData(nameof(Golden.Wavs), MemberType = typeof(Golden))]
    public void DecodesGoldenWavsLikeSoundfile(string name, int sampleRate, int channels, int frames)
    {
        var clip = WholeClipDecoder.ReadWav(Golden.PathOf($"wav/{name}.wav"));

        Assert.Equal(sampleRate, clip.SampleRate);
        Assert.Equal(channels, clip.ChannelCount);
        Assert.Equal(frames, clip.FrameCount);
        Assert.False(clip.Truncated);
        double error = Golden.MaxAbsDifference(clip.ToMono(), Golden.LoadFloats($"{name}.y.npy"));
        output.WriteLine($"{name}: max |WAV decode - soundfile| = {error:G3}");
        Assert.Equal(0.0, error);
    }

    [Fact]
    public void ScalesPcmLikeLibsndfile()
    {
        var u8 = Read(new WavBuilder().Fmt(WavBuilder.Pcm, 1, 8000, 8).Data([0, 128, 255, 64]).ToArray());
        Assert.Equal([-1f, 0f, 127f / 128, -0.5f], u8.Samples);

        var s16 = Read(WavBuilder.MonoPcm16(short.MinValue, 0, short.MaxValue, 16384));
        Assert.Equal([-1f, 0f, 32767f / 32768, 0.5f], s16.Samples);

        var s24 = Read(new WavBuilder().Fmt(WavBuilder.Pcm, 1, 8000, 24).Data(WavBuilder.Pcm24(-8388608, 0, 8388607, -4194304)).ToArray());
        Assert.Equal([-1f, 0f, 8388607f / 8388608, -0.5f], s24.Samples);

        var s32 = Read(new WavBuilder().Fmt(WavBuilder.Pcm, 1, 8000, 32).Data(WavBuilder.Pcm32(int.MinValue, 0, int.MaxValue, 1 << 30, 123456789)).ToArray());
        Assert.Equal([-1f, 0f, (float)int.MaxValue / 2147483648f, 0.5f, (float)123456789 / 2147483648f], s32.Samples);
    }

    [Fact]
    public void DecodesFloat32AndFloat64()
    {
        float[] values = [0f, 0.25f, -1f, 1.5f, 1e-30f, -0.123456789f];
        var f32 = Read(new WavBuilder().Fmt(WavBuilder.IeeeFloat, 2, 48000, 32).Data(WavBuilder.Float32(values)).ToArray());
        Assert.Equal(values, f32.Samples);
        Assert.Equal((2, 3, 48000), (f32.ChannelCount, f32.FrameCount, f32.SampleRate));

        double[] doubles = [0.1, -0.7, 1e-300, 2.5];
        var f64 = Read(new WavBuilder().Fmt(WavBuilder.IeeeFloat, 1, 48000, 64).Data(WavBuilder.Float64(doubles)).ToArray());
        Assert.Equal(doubles.Select(d => (float)d), f64.Samples);
    }

    [Theory]
    [InlineData(WavBuilder.Pcm, 16)]
    [InlineData(WavBuilder.Pcm, 24)]
    [InlineData(WavBuilder.Pcm, 8)]
    [InlineData(WavBuilder.IeeeFloat, 32)]
    public void DecodesWaveFormatExtensibleBySubFormat(ushort subFormat, int bits)
    {
        byte[] data = (subFormat, bits) switch
        {
            (WavBuilder.Pcm, 16) => WavBuilder.Pcm16(16384, -16384),
            (WavBuilder.Pcm, 24) => WavBuilder.Pcm24(4194304, -4194304),
            (WavBuilder.Pcm, 8) => [192, 64],
            _ => WavBuilder.Float32(0.5f, -0.5f),
        };
        var clip = Read(new WavBuilder().FmtExtensible(subFormat, 2, 44100, bits).Data(data).ToArray());
        Assert.Equal([0.5f, -0.5f], clip.Samples);
        Assert.Equal(2, clip.ChannelCount);
    }

    [Fact]
    public void ExtensibleWithFewerValidBitsDecodesByContainer()
    {
        var clip = Read(new WavBuilder().FmtExtensible(WavBuilder.Pcm, 1, 44100, 24, validBits: 20).Data(WavBuilder.Pcm24(4194304)).ToArray());
        Assert.Equal([0.5f], clip.Samples);
    }

    [Fact]
    public void FindsChunksInAnyOrderAndSkipsOddSizedOnesWithTheirPad()
    {
        byte[] data = WavBuilder.Pcm16(100, -200, 300);
        byte[] expected = WavBuilder.MonoPcm16(100, -200, 300);
        var variants = new Dictionary<string, byte[]>
        {
            ["LIST before fmt"] = new WavBuilder().Chunk("LIST", new byte[26]).Fmt(WavBuilder.Pcm, 1, 44100, 16).Data(data).ToArray(),
            ["odd chunk with pad"] = new WavBuilder().Chunk("junk", [1, 2, 3]).Fmt(WavBuilder.Pcm, 1, 44100, 16).Chunk("bext", [9]).Data(data).ToArray(),
            ["data before fmt"] = new WavBuilder().Data(data).Chunk("fact", new byte[4]).Fmt(WavBuilder.Pcm, 1, 44100, 16).ToArray(),
            ["chunks after data"] = new WavBuilder().Fmt(WavBuilder.Pcm, 1, 44100, 16).Chunk("fact", new byte[4]).Data(data).Chunk("LIST", new byte[7]).ToArray(),
            ["wrong RIFF size"] = new WavBuilder().Header(riffSize: 0).Fmt(WavBuilder.Pcm, 1, 44100, 16).Data(data).ToArray(),
        };
        var reference = Read(expected).Samples;
        foreach (var (name, bytes) in variants)
        {
            var clip = Read(bytes);
            Assert.True(reference.SequenceEqual(clip.Samples), name);
            Assert.False(clip.Truncated, name);
        }
    }

    [Fact]
    public void OddSizedDataChunkKeepsItsSamplesAndPad()
    {
        // 3 bytes of 8-bit stereo: one whole frame and a stray byte, then the pad and another chunk.
        var clip = Read(new WavBuilder().Fmt(WavBuilder.Pcm, 2, 8000, 8).Data([0, 255, 128]).Chunk("LIST", new byte[4]).ToArray());
        Assert.Equal([-1f, 127f / 128], clip.Samples);
        Assert.False(clip.Truncated);
    }

    [Fact]
    public void InterleavesManyChannelsAndAveragesThemToMono()
    {
        short[] frames = [100, 200, 300, 400, 500, 600, -100, -200, -300, -400, -500, -600];
        var clip = Read(new WavBuilder().Fmt(WavBuilder.Pcm, 6, 48000, 16).Data(WavBuilder.Pcm16(frames)).ToArray());

        Assert.Equal(6, clip.ChannelCount);
        Assert.Equal(2, clip.FrameCount);
        Assert.Equal(300 / 32768f, clip.Samples[2]);
        Assert.Equal([2100f / 32768 / 6, -2100f / 32768 / 6], clip.ToMono());
    }

    [Fact]
    public void HeaderOnlyFileIsAnEmptyClip()
    {
        byte[] bytes = new WavBuilder().Fmt(WavBuilder.Pcm, 1, 44100, 16).Data([]).ToArray();
        Assert.Equal(44, bytes.Length);
        var clip = Read(bytes);
        Assert.Empty(clip.Samples);
        Assert.Empty(clip.ToMono());
        Assert.False(clip.Truncated);
    }

    [Fact]
    public void DataChunkCutShortDecodesTheWholeFramesPresentAndSaysSo()
    {
        // Declares 100 stereo frames; 10 frames and half of the 11th are there.
        byte[] present = WavBuilder.Pcm16(Enumerable.Range(0, 21).Select(i => (short)(i * 100)).ToArray());
        var clip = Read(new WavBuilder().Fmt(WavBuilder.Pcm, 2, 44100, 16).Data(present, declaredSize: 400).ToArray());

        Assert.True(clip.Truncated);
        Assert.Equal(10, clip.FrameCount);
        Assert.Equal(1900 / 32768f, clip.Samples[^1]);
    }

    [Fact]
    public void HugeDeclaredDataSizeAllocatesOnlyWhatIsPresent()
    {
        var clip = Read(new WavBuilder().Fmt(WavBuilder.Pcm, 1, 44100, 16).Data(WavBuilder.Pcm16(1, 2, 3), declaredSize: 0xFFFFFFF0).ToArray());
        Assert.True(clip.Truncated);
        Assert.Equal(3, clip.FrameCount);
    }

    [Fact]
    public void ReadsFromTheStreamPositionAndFromUnseekableStreams()
    {
        byte[] wav = WavBuilder.MonoPcm16(1000, -1000);
        var prefixed = new MemoryStream([.. new byte[7], .. wav]) { Position = 7 };
        Assert.Equal([1000 / 32768f, -1000 / 32768f], WholeClipDecoder.ReadWav(prefixed).Samples);
        Assert.Equal([1000 / 32768f, -1000 / 32768f], WholeClipDecoder.ReadWav(new UnseekableStream(wav)).Samples);
    }

    [Fact]
    public void MissingFileIsInvalidAudioNamingThePath()
    {
        string path = Path.Combine(Path.GetTempPath(), $"no-such-{Guid.NewGuid():N}.wav");
        var e = Assert.Throws<InvalidAudioException>(() => WholeClipDecoder.ReadWav(path));
        Assert.Equal(path, e.Path);
        Assert.Contains("cannot open", e.Message);
    }

    public static TheoryData<string, byte[], string> Malformed()
    {
        byte[] fmt16 = new WavBuilder().Fmt(WavBuilder.Pcm, 1, 44100, 16).ToArray();
        byte[] data = WavBuilder.Pcm16(1, 2);
        WavBuilder Pcm16() => new WavBuilder().Fmt(WavBuilder.Pcm, 1, 44100, 16);
        return new()
        {
            { "empty", [], "empty (0 bytes)" },
            { "text", "hello, world\n"u8.ToArray(), "not a RIFF/WAVE file" },
            { "ID3 MP3", [.. "ID3"u8, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0], "not a RIFF/WAVE file (looks like MP3" },
            { "MPEG frame", [0xFF, 0xFB, 0x90, 0x64, 0, 0, 0, 0, 0, 0, 0, 0], "looks like MP3" },
            { "OGG", [.. "OggS"u8, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0], "looks like OGG" },
            { "FLAC", [.. "fLaC"u8, 0, 0, 0, 34, 0, 0, 0, 0], "looks like FLAC" },
            { "RIFX", new WavBuilder().Header("RIFX").Fmt(WavBuilder.Pcm, 1, 44100, 16).Data(data).ToArray(), "big-endian" },
            { "RF64", new WavBuilder().Header("RF64").Fmt(WavBuilder.Pcm, 1, 44100, 16).Data(data).ToArray(), "RF64" },
            { "AVI", new WavBuilder().Header(formType: "AVI ").Data(data).ToArray(), "form type is 'AVI '" },
            { "RIFF only", "RIFF"u8.ToArray(), "cut short at 4 bytes" },
            { "no chunks", new WavBuilder().ToArray(), "no fmt chunk" },
            { "no fmt", new WavBuilder().Data(data).ToArray(), "no fmt chunk" },
            { "no data", Pcm16().Chunk("LIST", new byte[8]).ToArray(), "no data chunk" },
            { "header cut inside fmt", fmt16[..30], "fmt chunk is cut short" },
            { "LIST size lie before fmt", new WavBuilder().Chunk("LIST", new byte[8], declaredSize: 0xFFFFFFF0).Fmt(WavBuilder.Pcm, 1, 44100, 16).Data(data).ToArray(), "declares 4294967280 bytes" },
            { "fmt size lie", new WavBuilder().Chunk("fmt ", fmt16[20..36], declaredSize: 0xFFFFFFF0).Data(data).ToArray(), "fmt chunk is cut short" },
            { "fmt too short", new WavBuilder().Chunk("fmt ", new byte[14]).Data(data).ToArray(), "fmt chunk is 14 bytes" },
            { "ADPCM", new WavBuilder().Fmt(2, 1, 44100, 4, blockAlign: 256).Data(data).ToArray(), "Microsoft ADPCM" },
            { "A-law", new WavBuilder().Fmt(6, 1, 8000, 8).Data(data).ToArray(), "A-law" },
            { "mu-law", new WavBuilder().Fmt(7, 1, 8000, 8).Data(data).ToArray(), "mu-law" },
            { "MP3 in WAV", new WavBuilder().Fmt(0x55, 2, 44100, 0, blockAlign: 1).Data(data).ToArray(), "convert the file to PCM" },
            { "0 channels", new WavBuilder().Fmt(WavBuilder.Pcm, 0, 44100, 16, blockAlign: 0).Data(data).ToArray(), "0 channels" },
            { "0 Hz", new WavBuilder().Fmt(WavBuilder.Pcm, 1, 0, 16).Data(data).ToArray(), "sample rate of 0 Hz" },
            { "12-bit PCM", new WavBuilder().Fmt(WavBuilder.Pcm, 1, 44100, 12, blockAlign: 2).Data(data).ToArray(), "PCM with 12 bits" },
            { "16-bit float", new WavBuilder().Fmt(WavBuilder.IeeeFloat, 1, 44100, 16).Data(data).ToArray(), "IEEE float with 16 bits" },
            { "block align", new WavBuilder().Fmt(WavBuilder.Pcm, 2, 44100, 16, blockAlign: 2).Data(data).ToArray(), "block align 2" },
            { "extensible too short", new WavBuilder().Chunk("fmt ", [.. WavBuilder.Pcm16(unchecked((short)0xFFFE), 1), .. new byte[14]]).Data(data).ToArray(), "WAVE_FORMAT_EXTENSIBLE fmt chunk is 18 bytes" },
            { "extensible unknown GUID", new WavBuilder().FmtExtensible(1, 1, 44100, 16, guidTail: new byte[14]).Data(data).ToArray(), "sub-format" },
            { "extensible ADPCM", new WavBuilder().FmtExtensible(2, 1, 44100, 16).Data(data).ToArray(), "Microsoft ADPCM" },
            { "extensible valid bits", new WavBuilder().FmtExtensible(1, 1, 44100, 16, validBits: 24).Data(data).ToArray(), "24 valid bits" },
            { "NaN", new WavBuilder().Fmt(WavBuilder.IeeeFloat, 2, 44100, 32).Data(WavBuilder.Float32(0, 0, 0, float.NaN)).ToArray(), "sample 3 (frame 1, channel 1) is NaN" },
            { "Inf32", new WavBuilder().Fmt(WavBuilder.IeeeFloat, 1, 44100, 32).Data(WavBuilder.Float32(float.NegativeInfinity)).ToArray(), "is infinite" },
            { "Inf64", new WavBuilder().Fmt(WavBuilder.IeeeFloat, 1, 44100, 64).Data(WavBuilder.Float64(0.5, double.PositiveInfinity)).ToArray(), "sample 1 (frame 1, channel 0) is infinite" },
            { "beyond float32", new WavBuilder().Fmt(WavBuilder.IeeeFloat, 1, 44100, 64).Data(WavBuilder.Float64(1e300)).ToArray(), "is infinite" },
        };
    }

    [Theory]
    [MemberData(nameof(Malformed))]
    public void MalformedInputIsInvalidAudioWithASpecificMessage(string name, byte[] bytes, string expected)
    {
        var e = Assert.Throws<InvalidAudioException>(() => Read(bytes));
        output.WriteLine($"{name}: {e.Message}");
        Assert.Contains(expected, e.Message);
        Assert.StartsWith("test.wav: ", e.Message);
        Assert.DoesNotContain('\n', e.Message);
    }

    /// <summary>A stream that can only be read forwards, like a pipe or a network response.</summary>
    private sealed class UnseekableStream(byte[] bytes) : MemoryStream(bytes)
    {
        public override bool CanSeek => false;
    }
}
