using FreesoundTagging.Audio;
using FreesoundTagging.Features;
using FreesoundTagging.Tests.Audio;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.Features;

/// <summary>ClipFeatures.Load streams the file: the same log-mel as the whole-clip path, without holding the clip.</summary>
public class ClipFeaturesTests(EncodedClips clips) : IClassFixture<EncodedClips>
{
    public static TheoryData<string, int, int, int, int?> Files() => new()
    {
        // name, rate, channels, frames, declared frames (a cut-short file) - lengths off the 64 KiB blocks and the hop
        { "mono 44.1 kHz", 44100, 1, 100_003, null },
        { "stereo 44.1 kHz", 44100, 2, 70_001, null },
        { "stereo 48 kHz, resampled", 48000, 2, 50_017, null },
        { "mono 22.05 kHz, resampled", 22050, 1, 33_333, null },
        { "shorter than one block and one window", 44100, 2, 700, null },
        { "cut short, stereo 48 kHz", 48000, 2, 40_000, 90_000 },
    };

    [Theory]
    [MemberData(nameof(Files))]
    public void StreamedFeaturesAreTheWholeClipPathsBitForBit(string name, int rate, int channels, int frames, int? declaredFrames)
    {
        using var dir = new TempDir();
        string path = dir.Write("clip.wav", Wav(rate, channels, frames, declaredFrames));
        var extractor = new LogMelExtractor(FeatureConfig.Original);
        var whole = WholeClipDecoder.LoadMono(path, 44100);
        LogMel expected = new WholeClipLogMel(extractor.Config).Extract(whole.Samples);

        var streamed = ClipFeatures.Load(extractor, path);

        Assert.Null(streamed.Error);
        Assert.Equal(expected.Frames, streamed.Mel!.Frames);
        Assert.Equal(expected.Values, streamed.Mel.Values);
        Assert.Equal(whole.Samples.Length / 44100.0, streamed.Seconds);
        Assert.Equal(whole.Truncated, streamed.ShortRead);
        Assert.Equal(declaredFrames is not null, streamed.ShortRead);
        Assert.True(name.Length > 0);
    }

    [Theory]
    [InlineData("formats/tone.mp3")]
    [InlineData("formats/tone_11k_mono.ogg")]
    [InlineData("formats/tone.flac")]
    public void CompressedFormatsStillGiveTheWholeClipPathsFeatures(string golden)
    {
        string path = Golden.PathOf(golden);
        var extractor = new LogMelExtractor(FeatureConfig.Original);
        LogMel expected = new WholeClipLogMel(extractor.Config).Extract(WholeClipDecoder.LoadMono(path, 44100).Samples);

        Assert.Equal(expected.Values, ClipFeatures.Load(extractor, path).Mel!.Values);
    }

    [Theory]
    [InlineData("mp3")]
    [InlineData("ogg")]
    [InlineData("flac")]
    public void StreamedCompressedClipsGiveTheWholeClipPathsFeaturesResampled(string format)
    {
        // 48 kHz stereo over several decoder blocks: decoded, averaged, resampled and framed as it is read.
        string path = clips.Get(format, 48000, 2, 100_003);
        var extractor = new LogMelExtractor(FeatureConfig.Original);
        var whole = WholeClipDecoder.LoadMono(path, 44100);
        LogMel expected = new WholeClipLogMel(extractor.Config).Extract(whole.Samples);

        var streamed = ClipFeatures.Load(extractor, path);

        Assert.Null(streamed.Error);
        Assert.Equal(expected.Values, streamed.Mel!.Values);
        Assert.Equal(whole.Samples.Length / 44100.0, streamed.Seconds);
        Assert.False(streamed.ShortRead);
    }

    [Fact]
    public void MemoryDoesNotGrowWithTheClip()
    {
        // A minute of 48 kHz stereo: held whole it is 23 MB of interleaved floats, 11.5 MB of mono and 10.6 MB
        // resampled. Streamed, the allocations are the log-mel (1.5 MB) and a few small blocks. Allocation is
        // counted on this thread, so other tests running beside it do not disturb the figure.
        using var dir = new TempDir();
        string path = dir.Write("minute.wav", Wav(48000, 2, 60 * 48000, null));
        var extractor = new LogMelExtractor(FeatureConfig.Original);
        ClipFeatures.Load(extractor, dir.Write("warm.wav", Wav(48000, 2, 5000, null)));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var features = ClipFeatures.Load(extractor, path);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Null(features.Error);
        long melBytes = features.Mel!.Values.Length * sizeof(float);
        Assert.True(allocated < melBytes + 2_000_000, $"allocated {allocated / 1e6:F1} MB for a {melBytes / 1e6:F1} MB log-mel");
    }

    [Theory]
    [InlineData("mp3")]
    [InlineData("ogg")]
    [InlineData("flac")]
    public void MemoryDoesNotGrowWithACompressedClip(string format)
    {
        // The same minute of 48 kHz stereo, encoded. Decoded whole (before), MP3 and Vorbis filled an accumulator
        // grown by doubling (allocations up to 2 x 32 MB), then copied it out, and ffmpeg's pipe went into a
        // MemoryStream (about 2 x 23 MB) before the 23 MB of samples; then came 11.5 MB of mono and 10.6 MB resampled.
        // Streamed, what is left is the log-mel, the decoders' own per-frame garbage and a few blocks. ffmpeg's pipe
        // does not say its length, so its log-mel is built in chunks and joined: twice the log-mel.
        string path = clips.Get(format, 48000, 2, 60 * 48000);
        var extractor = new LogMelExtractor(FeatureConfig.Original);
        ClipFeatures.Load(extractor, clips.Get(format, 48000, 2, 5000));

        long before = GC.GetAllocatedBytesForCurrentThread();
        var features = ClipFeatures.Load(extractor, path);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Null(features.Error);
        long melBytes = features.Mel!.Values.Length * sizeof(float);
        // Measured beyond the log-mel: MP3 1.6 MB (NLayer's per-frame buffers), FLAC 0.8 MB beyond twice the log-mel,
        // Ogg 31.8 MB: NVorbis allocates its own short-lived buffers per packet, about 5.5 bytes per decoded sample.
        // The whole-file path allocated 128 (MP3), 104 (FLAC) and 133 MB (Ogg): putting it back fails every case.
        long budget = format switch
        {
            "mp3" => melBytes + 4_000_000,
            "flac" => 2 * melBytes + 3_000_000,
            _ => melBytes + 45_000_000,
        };
        Assert.True(allocated < budget, $"{format}: allocated {allocated / 1e6:F1} MB for a {melBytes / 1e6:F1} MB log-mel");
    }

    [Fact]
    public void HugeSamplesStillNameTheirPeakMagnitude()
    {
        // Float samples near float32's limit: resampling overshoots the square wave's edges past it, so the
        // resampled clip holds infinities and its log-mel is not finite. The samples were not kept, so the
        // message's peak comes from a second read: it must be the whole-clip path's.
        using var dir = new TempDir();
        var values = Enumerable.Range(0, 30_000).Select(i => i / 100 % 2 == 0 ? 3.3e38f : -3.3e38f).ToArray();
        string path = dir.Write("huge.wav", new WavBuilder().Fmt(WavBuilder.IeeeFloat, 1, 48000, 32).Data(WavBuilder.Float32(values)).ToArray());
        float peak = 0;
        foreach (float x in WholeClipDecoder.LoadMono(path, 44100).Samples) peak = Math.Max(peak, Math.Abs(x));

        var features = ClipFeatures.Load(new LogMelExtractor(FeatureConfig.Original), path);

        Assert.Null(features.Mel);
        Assert.Contains("log-mel features are not finite", features.Error!.Message);
        Assert.Contains($"peak sample magnitude {peak:G3}", features.Error.Message);
    }

    private static byte[] Wav(int rate, int channels, int frames, int? declaredFrames)
    {
        var samples = new short[frames * channels];
        var random = new Random(frames);
        for (int i = 0; i < samples.Length; i++) samples[i] = (short)(12000 * Math.Sin(i * 0.013) + random.Next(-900, 900));
        uint? declared = declaredFrames is { } d ? (uint)(d * channels * 2) : null;
        return new WavBuilder().Fmt(WavBuilder.Pcm, channels, rate, 16).Data(WavBuilder.Pcm16(samples), declared).ToArray();
    }
}
