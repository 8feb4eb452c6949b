using FreesoundTagging.Audio;
using FreesoundTagging.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace FreesoundTagging.Tests.Audio;

/// <summary>
/// MP3 (NLayer), Ogg Vorbis (NVorbis) and the ffmpeg pipe decoded as they are read (<see cref="AudioDecoder.OpenMono(string, string?)"/>)
/// give the whole-file path's mono samples (<see cref="WholeClipDecoder.Read(string, string?)"/> then <see cref="AudioClip.ToMono"/>)
/// bit for bit, with its truncation flag and its error messages. The clips are encoded by ffmpeg at test time.
/// </summary>
public class StreamedDecodersTests(EncodedClips clips, ITestOutputHelper output) : IClassFixture<EncodedClips>
{
    private static string Ffmpeg => EncodedClips.Ffmpeg;

    public static TheoryData<string, int, int, int> Cases()
    {
        var data = new TheoryData<string, int, int, int>();
        foreach (string format in new[] { "mp3", "mp3-noxing", "ogg", "flac" })
        {
            // Shorter than one decoder block (MP3: 16 x 1152 samples, Vorbis: 16,384) and spanning several, off
            // every boundary; 22.05 and 48 kHz too, which MP3 codes with other frame sizes and tables.
            data.Add(format, 44100, 1, 1_000);
            data.Add(format, 44100, 2, 37_000);
            data.Add(format, 48000, 2, 100_003);
            data.Add(format, 22050, 1, 60_001);
            if (!format.StartsWith("mp3", StringComparison.Ordinal)) data.Add(format, 44100, 3, 20_011);
        }
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void StreamedMonoIsTheWholeDecodesToMonoBitForBit(string format, int rate, int channels, int frames)
    {
        string path = clips.Get(format, rate, channels, frames);
        var whole = WholeClipDecoder.Read(path, Ffmpeg);

        using var source = AudioDecoder.OpenMono(path, Ffmpeg);
        Assert.IsType(format switch { "ogg" => typeof(VorbisMonoSource), "flac" => typeof(FfmpegMonoSource), _ => typeof(MpegMonoSource) }, source);
        float[] streamed = SourceReading.ReadAll(source, new Random(frames));

        Assert.Equal(whole.SampleRate, source.SampleRate);
        Assert.Equal(whole.ToMono(), streamed);
        Assert.Equal(streamed.Length, source.Position);
        Assert.False(whole.Truncated);
        Assert.False(source.Truncated);
        // The log-mel is sized from the hint: exact where the file records its length (LAME's header, Vorbis's last granule).
        long expectedHint = format is "mp3" or "ogg" ? streamed.Length : 0;
        Assert.Equal(expectedHint, source.LengthHint);
    }

    [Theory]
    [InlineData("mp3")]
    [InlineData("mp3-noxing")]
    [InlineData("ogg")]
    [InlineData("flac")]
    public void CutShortAndDamagedFilesGiveTheWholeDecodesSamplesOrItsError(string format)
    {
        byte[] original = File.ReadAllBytes(clips.Get(format, 48000, 2, 100_003));
        var random = new Random(format.Length);
        var outcomes = new Dictionary<string, int>();
        // ffmpeg runs twice per case: fewer cases for it.
        int cases = format == "flac" ? 12 : 40;
        for (int i = 0; i < cases; i++)
        {
            byte[] bytes = (byte[])original.Clone();
            if (i % 2 == 0) bytes = bytes[..random.Next(1, bytes.Length)];
            else
                for (int m = 0, n = 1 + random.Next(8); m < n; m++)
                    bytes[random.Next(Math.Min(bytes.Length, m == 0 ? 400 : bytes.Length))] = (byte)random.Next(256);
            string path = clips.Scratch($"damaged-{format}-{i}{Path.GetExtension(clips.Get(format, 48000, 2, 100_003))}");
            File.WriteAllBytes(path, bytes);
            string outcome = CompareWithWhole(path);
            outcomes[outcome] = outcomes.GetValueOrDefault(outcome) + 1;
        }
        output.WriteLine(string.Join(", ", outcomes.Select(o => $"{o.Key}: {o.Value}")));
    }

    [Fact]
    public void WithoutFfmpegTheMessageIsTheWholePathsAndNoProcessIsStarted()
    {
        string flac = clips.Get("flac", 44100, 1, 1_000);
        var expected = Assert.Throws<InvalidAudioException>(() => WholeClipDecoder.Read(flac, ffmpeg: null));
        var e = Assert.Throws<InvalidAudioException>(() => AudioDecoder.OpenMono(flac, ffmpeg: null));
        Assert.Equal(expected.Message, e.Message);
        Assert.Contains("needs ffmpeg, which is not on PATH", e.Message);
    }

    [Theory]
    [InlineData("fLaC but nothing else", "bad.flac")]
    [InlineData("just some text, not audio at all", "notes.mp3")]
    public void WhenFfmpegFailsTheMessageIsTheWholePaths(string content, string name)
    {
        string path = clips.Scratch(name);
        File.WriteAllText(path, content);
        Assert.Equal("error", CompareWithWhole(path));
    }

    [Fact]
    public void AnFfmpegThatFailsAfterWritingSamplesGivesItsErrorNotTheSamples()
    {
        // The whole path judged ffmpeg's exit code before the samples; streamed, the samples come first.
        string fake = FakeFfmpeg("fails-late", PipeWav(Enumerable.Range(0, 50_000).Select(i => 0.1f * (i % 7)).ToArray()), "echo 'Error while decoding stream #0:0: Invalid data found' >&2; exit 1");
        string flac = clips.Get("flac", 44100, 1, 1_000);
        var expected = Assert.Throws<InvalidAudioException>(() => WholeClipDecoder.Read(flac, fake));

        using var source = AudioDecoder.OpenMono(flac, fake);
        var e = Assert.Throws<InvalidAudioException>(() => SourceReading.ReadAll(source, new Random(2)));
        Assert.Equal(expected.Message, e.Message);
        Assert.Equal($"{flac}: ffmpeg could not decode this FLAC file (Error while decoding stream #0:0: Invalid data found)", e.Message);
    }

    [Theory]
    [InlineData(0, "sample 60001 (frame 30000, channel 1) is NaN")]
    [InlineData(1, "ffmpeg could not decode this FLAC file (late failure)")]
    public void ANonFiniteSampleFromFfmpegIsTheWholePathsErrorUnlessFfmpegFailed(int exitCode, string message)
    {
        var values = Enumerable.Range(0, 2 * 40_000).Select(i => i == 2 * 30_000 + 1 ? float.NaN : 0.25f).ToArray();
        string fake = FakeFfmpeg($"nan-{exitCode}", PipeWav(values, channels: 2), $"echo 'late failure' >&2; exit {exitCode}");
        string flac = clips.Get("flac", 44100, 1, 1_000);
        var expected = Assert.Throws<InvalidAudioException>(() => WholeClipDecoder.Read(flac, fake));

        using var source = AudioDecoder.OpenMono(flac, fake);
        var e = Assert.Throws<InvalidAudioException>(() => SourceReading.ReadAll(source, new Random(3)));
        Assert.Equal(expected.Message, e.Message);
        Assert.Contains(message, e.Message);
    }

    [Fact]
    public void DisposingBeforeTheEndKillsAndReapsFfmpeg()
    {
        // A minute of stereo float is 21 MB on the pipe: ffmpeg blocks on it long before the end.
        string flac = clips.Get("flac", 44100, 2, 60 * 44100);
        var source = (FfmpegMonoSource)AudioDecoder.OpenMono(flac, Ffmpeg);
        Assert.Equal(1000, source.Read(new float[1000]));
        int pid = source.ProcessId;
        using (System.Diagnostics.Process.GetProcessById(pid))
        {
            // Still running, blocked on the pipe.
        }

        source.Dispose();

        Assert.Throws<ArgumentException>(() => System.Diagnostics.Process.GetProcessById(pid));
    }

    [Fact]
    public void DisposingAnFfmpegThatNeverEndsKillsIt()
    {
        // A header, then zeros for ever: only the kill ends it.
        string fake = FakeFfmpeg("endless", PipeWav([]), null, endless: true);
        var source = (FfmpegMonoSource)AudioDecoder.OpenMono(clips.Get("flac", 44100, 1, 1_000), fake);
        Assert.Equal(5000, source.Read(new float[5000]));
        int pid = source.ProcessId;

        source.Dispose();

        Assert.Throws<ArgumentException>(() => System.Diagnostics.Process.GetProcessById(pid));
    }

    [Fact]
    public void AnFfmpegThatGivesNothingIsStoppedAfterTheStallLimit()
    {
        // Stuck for ever (in open() on a FIFO a playlist names, say): only the deadline ends it.
        string script = clips.Scratch("stuck.sh");
        File.WriteAllText(script, "#!/bin/sh\nexec sleep 60\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        FfmpegMonoSource.StallLimit = TimeSpan.FromSeconds(1);
        try
        {
            var clock = System.Diagnostics.Stopwatch.StartNew();
            var e = Assert.Throws<InvalidAudioException>(() => AudioDecoder.OpenMono(clips.Get("flac", 44100, 1, 1_000), script).Dispose());
            Assert.Contains("ffmpeg gave no output for 1 s and was stopped", e.Message);
            Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"took {clock.Elapsed}");
        }
        finally
        {
            FfmpegMonoSource.StallLimit = TimeSpan.FromSeconds(60);
        }
    }

    [Fact]
    public void CancellingKillsAnFfmpegBlockedOnItsPipe()
    {
        string script = clips.Scratch("stuck-cancel.sh");
        File.WriteAllText(script, "#!/bin/sh\nexec sleep 60\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(300));
        var clock = System.Diagnostics.Stopwatch.StartNew();

        Assert.ThrowsAny<OperationCanceledException>(() => AudioDecoder.OpenMono(clips.Get("flac", 44100, 1, 1_000), script, cancel.Token).Dispose());

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"took {clock.Elapsed}");
    }

    /// <summary>Decodes both ways; returns "clip" or "error" after asserting the outcomes are the same.</summary>
    private static string CompareWithWhole(string path)
    {
        AudioClip? whole = null;
        InvalidAudioException? wholeError = null;
        try
        {
            whole = WholeClipDecoder.Read(path, Ffmpeg);
        }
        catch (InvalidAudioException e)
        {
            wholeError = e;
        }

        float[]? streamed = null;
        bool truncated = false;
        InvalidAudioException? streamedError = null;
        try
        {
            using var source = AudioDecoder.OpenMono(path, Ffmpeg);
            streamed = SourceReading.ReadAll(source, new Random(path.Length));
            truncated = source.Truncated;
        }
        catch (InvalidAudioException e)
        {
            streamedError = e;
        }

        Assert.Equal(wholeError?.Message, streamedError?.Message);
        if (whole is null) return "error";
        Assert.Equal(whole.ToMono(), streamed);
        Assert.Equal(whole.Truncated, truncated);
        return whole.Truncated ? "truncated clip" : "clip";
    }

    /// <summary>A float32 WAV as ffmpeg writes it on a pipe: 0xFFFFFFFF for the RIFF and data sizes.</summary>
    private static byte[] PipeWav(float[] values, int channels = 1) =>
        new WavBuilder().Header(riffSize: uint.MaxValue).Fmt(WavBuilder.IeeeFloat, channels, 44100, 32)
            .Chunk("data", WavBuilder.Float32(values), declaredSize: uint.MaxValue).ToArray();

    /// <summary>A stand-in for ffmpeg that writes <paramref name="wav"/> to its output, then runs <paramref name="then"/>.</summary>
    private string FakeFfmpeg(string name, byte[] wav, string? then, bool endless = false)
    {
        string data = clips.Scratch(name + ".pipe.wav");
        File.WriteAllBytes(data, wav);
        string script = clips.Scratch(name + ".sh");
        // exec: the process started is the one writing, so killing it ends the pipe.
        string body = endless ? $"exec cat '{data}' /dev/zero" : $"cat '{data}'\n{then}";
        File.WriteAllText(script, $"#!/bin/sh\n{body}\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(script, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return script;
    }
}
