using FreesoundTagging.Audio;
using FreesoundTagging.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace FreesoundTagging.Tests.Audio;

/// <summary>
/// The decoders behind <see cref="AudioDecoder"/> on the tiny clips of golden/formats (see make-formats.sh there),
/// read to their end: NLayer and NVorbis against ffmpeg's decode of the same files, the ffmpeg path against the
/// lossless source.
/// </summary>
public class AudioDecoderTests(ITestOutputHelper output)
{
    private static string Formats(string name) => Golden.PathOf("formats/" + name);

    private static string Ffmpeg => FfmpegDecoder.Executable
        ?? throw new InvalidOperationException("ffmpeg is not on PATH: ./build.sh test installs it (apt-get install ffmpeg)");

    [Theory]
    [InlineData("source.wav", AudioDecoderKind.Wav, "WAV")]
    [InlineData("tone.mp3", AudioDecoderKind.Mpeg, "MP3")]
    [InlineData("tone.ogg", AudioDecoderKind.Vorbis, "Ogg Vorbis")]
    [InlineData("tone.flac", AudioDecoderKind.Ffmpeg, "FLAC")]
    [InlineData("tone_11k_mono.aiff", AudioDecoderKind.Ffmpeg, "AIFF")]
    [InlineData("tone.opus", AudioDecoderKind.Ffmpeg, "Ogg Opus")]
    [InlineData("tone.m4a", AudioDecoderKind.Ffmpeg, "MP4/M4A")]
    public void DetectsTheFormatFromContent(string name, AudioDecoderKind decoder, string format)
    {
        Assert.Equal(new AudioFormat(decoder, format), AudioDecoder.DetectFormat(Formats(name)));
    }

    [Theory]
    [InlineData("tone.mp3", "source.wav", 1e-5)]
    [InlineData("tone.ogg", "source.wav", 1e-6)]
    [InlineData("tone_11k_mono.ogg", "source_11k_mono.wav", 1e-6)]
    public void ManagedDecodersMatchFfmpegAndKeepTheSourceLength(string name, string sourceName, double tolerance)
    {
        using var decoded = AudioDecoder.OpenMono(Formats(name), ffmpeg: null);
        float[] mono = decoded.ReadToEnd();
        float[] reference = WholeClipDecoder.ReadWav(Formats(name + ".ref.wav")).ToMono();
        var source = WholeClipDecoder.ReadWav(Formats(sourceName));

        Assert.Equal(source.SampleRate, decoded.SampleRate);
        Assert.False(decoded.Truncated);
        // MP3: the LAME header's delay and padding are trimmed (as ffmpeg does); Vorbis: the last page's granule
        // position ends the stream (ffmpeg keeps the whole last block, so its decode is longer).
        Assert.Equal(source.FrameCount, mono.Length);
        int common = Math.Min(mono.Length, reference.Length);
        double error = Golden.MaxAbsDifference(mono.AsSpan(0, common), reference.AsSpan(0, common));
        output.WriteLine($"{name}: {mono.Length} frames, max |ours - ffmpeg| = {error:G3}");
        Assert.True(error < tolerance, $"max abs error {error}");
    }

    [Theory]
    [InlineData("tone.flac", "source.wav")]
    [InlineData("tone_11k_mono.aiff", "source_11k_mono.wav")]
    public void LosslessFormatsThroughFfmpegDecodeToTheSourceExactly(string name, string sourceName)
    {
        var clip = WholeClipDecoder.Read(Formats(name), Ffmpeg);
        var source = WholeClipDecoder.ReadWav(Formats(sourceName));
        using var decoded = AudioDecoder.OpenMono(Formats(name), Ffmpeg);

        Assert.Equal(source.SampleRate, clip.SampleRate);
        Assert.Equal(source.ChannelCount, clip.ChannelCount);
        Assert.False(clip.Truncated);
        Assert.Equal(source.Samples, clip.Samples);
        Assert.Equal(source.SampleRate, decoded.SampleRate);
        Assert.Equal(source.ToMono(), decoded.ReadToEnd());
        Assert.False(decoded.Truncated);
    }

    [Theory]
    [InlineData("tone.opus", 48000)]
    [InlineData("tone.m4a", 44100)]
    public void LossyFormatsThroughFfmpegKeepRateChannelsAndLength(string name, int rate)
    {
        var clip = WholeClipDecoder.Read(Formats(name), Ffmpeg);
        var source = WholeClipDecoder.ReadWav(Formats("source.wav"));

        Assert.Equal(rate, clip.SampleRate);
        Assert.Equal(2, clip.ChannelCount);
        Assert.InRange(clip.DurationSeconds, source.DurationSeconds - 0.01, source.DurationSeconds + 0.05);
        // The left channel is a 0.5-amplitude tone: a lossy decode keeps its level.
        double rms = Math.Sqrt(clip.Samples.Where((_, i) => i % 2 == 0).Average(x => (double)x * x));
        Assert.InRange(rms, 0.30, 0.40);
    }

    [Theory]
    [InlineData("tone.mp3", "clip.wav")]
    [InlineData("tone.ogg", "clip.mp3")]
    [InlineData("source.wav", "clip.ogg")]
    [InlineData("tone.flac", "clip.wav")]
    public void TheExtensionDoesNotMatterOnlyTheContent(string name, string disguise)
    {
        using var dir = new TempDir();
        string path = dir.Write(disguise, File.ReadAllBytes(Formats(name)));
        Assert.Equal(Decode(Formats(name)), Decode(path));
    }

    [Fact]
    public void ATruncatedMp3KeepsWhatItHasAndSaysSo()
    {
        using var dir = new TempDir();
        byte[] whole = File.ReadAllBytes(Formats("tone.mp3"));
        string path = dir.Write("cut.mp3", whole[..(whole.Length / 2)]);
        float[] full = Decode(Formats("tone.mp3"), null);

        using var cut = AudioDecoder.OpenMono(path, null);
        float[] kept = cut.ReadToEnd();

        Assert.True(cut.Truncated);
        Assert.InRange(kept.Length, 1, full.Length - 1);
        Assert.Equal(full.AsSpan(0, kept.Length / 2).ToArray(), kept.AsSpan(0, kept.Length / 2).ToArray());
    }

    [Theory]
    [InlineData("tone.ogg")]
    [InlineData("tone.mp3")]
    [InlineData("tone.flac")]
    public void TruncatedFilesGiveAShorterClipOrOneClearError(string name)
    {
        using var dir = new TempDir();
        byte[] whole = File.ReadAllBytes(Formats(name));
        foreach (int length in new[] { 4, 40, 200, whole.Length / 3, whole.Length - 7 })
        {
            string path = dir.Write($"cut{length}{Path.GetExtension(name)}", whole[..length]);
            try
            {
                Assert.InRange(Decode(path).Length, 0, Decode(Formats(name)).Length);
            }
            catch (InvalidAudioException e)
            {
                output.WriteLine($"{name} cut to {length} bytes: {e.Message}");
                Assert.StartsWith(path + ": ", e.Message);
                Assert.DoesNotContain("\n", e.Message);
            }
        }
    }

    [Theory]
    [InlineData("ID3 not a wav", "MP3")]
    [InlineData("OggS this is not a real ogg page at all, just text", "Ogg")]
    [InlineData("fLaC but nothing else", "FLAC")]
    public void MalformedFilesGiveOneClearError(string content, string format)
    {
        using var dir = new TempDir();
        string path = dir.Write("bad.wav", content);
        var e = Assert.Throws<InvalidAudioException>(() => Decode(path));
        output.WriteLine(e.Message);
        Assert.Equal(path, e.Path);
        Assert.Contains(format, e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Fact]
    public void TextIsNotRecognisedEvenByFfmpeg()
    {
        using var dir = new TempDir();
        string path = dir.Write("notes.mp3", "just some text, not audio at all");
        var e = Assert.Throws<InvalidAudioException>(() => Decode(path));
        Assert.Contains("not a recognised audio format", e.Message);
        Assert.Contains("not a recognised audio format", Assert.Throws<InvalidAudioException>(() => Decode(path, null)).Message);
    }

    [Fact]
    public void WithoutFfmpegOneLineNamesTheFileTheFormatAndTheFix()
    {
        var e = Assert.Throws<InvalidAudioException>(() => Decode(Formats("tone.flac"), ffmpeg: null));
        Assert.Equal($"{Formats("tone.flac")}: FLAC audio needs ffmpeg, which is not on PATH: {FfmpegDecoder.InstallHint}", e.Message);
        Assert.Contains("apt-get install ffmpeg", e.Message);
        // MP3, Vorbis and WAV need no ffmpeg.
        foreach (string name in new[] { "tone.mp3", "tone.ogg", "source.wav" }) Assert.True(Decode(Formats(name), null).Length > 0);
    }

    [Fact]
    public void FfmpegIsFoundOnlyOnThePathItIsGiven()
    {
        Assert.Null(FfmpegDecoder.Locate(""));
        Assert.Null(FfmpegDecoder.Locate("/nonexistent-dir:/proc"));
        Assert.Equal(Ffmpeg, FfmpegDecoder.Locate(Path.GetDirectoryName(Ffmpeg)));
    }

    [Fact]
    public void MutatedMp3AndOggGiveAClipOrInvalidAudioOnly()
    {
        var random = new Random(13);
        int clips = 0, rejected = 0;
        foreach (string name in new[] { "tone.mp3", "tone.ogg", "tone_11k_mono.ogg" })
        {
            byte[] original = File.ReadAllBytes(Formats(name));
            for (int i = 0; i < 60; i++)
            {
                byte[] bytes = (byte[])original.Clone();
                for (int m = 0, n = 1 + random.Next(8); m < n; m++) bytes[random.Next(Math.Min(bytes.Length, m == 0 ? 400 : bytes.Length))] = (byte)random.Next(256);
                if (random.Next(4) == 0) bytes = bytes[..random.Next(bytes.Length)];
                using var dir = new TempDir();
                string path = dir.Write("fuzz" + Path.GetExtension(name), bytes);
                try
                {
                    Assert.All(Decode(path, null), s => Assert.True(float.IsFinite(s)));
                    clips++;
                }
                catch (InvalidAudioException)
                {
                    rejected++;
                }
            }
        }
        output.WriteLine($"{clips} clips, {rejected} rejected");
    }

    /// <summary>The file's mono samples at its own rate, read to the end through the production path.</summary>
    private static float[] Decode(string path, string? ffmpeg)
    {
        using var source = AudioDecoder.OpenMono(path, ffmpeg);
        return source.ReadToEnd();
    }

    private static float[] Decode(string path) => Decode(path, Ffmpeg);
}
