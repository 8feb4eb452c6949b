using System.Buffers.Binary;
using System.Diagnostics;
using FreesoundTagging.Tests.Audio;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.BadInput;

/// <summary>
/// Inputs that made a run spin, block or ignore a SIGTERM, run as the real commands. A hang is a failure after a
/// deadline (the process is then killed), never a stuck suite.
/// </summary>
[Collection(TorchCollection.Name)]
public class HangTests(EncodedClips clips) : IClassFixture<EncodedClips>
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(1L << 32)]
    [InlineData(1L << 62)]
    [InlineData(-1L)] // one sample past the page before: fewer than the packets before the last one hold
    public void AnOggWhoseLastPageClaimsAnotherLengthIsDecodedNotSpun(long granule)
    {
        using var dir = new TempDir();
        byte[] ogg = File.ReadAllBytes(clips.Get("ogg", 44100, 1, 3 * 44100));
        SetLastGranule(ogg, granule);
        string audio = Audio(dir, ("x.ogg", ogg));

        var r = CommandProcess.Run("inputs", [audio, TrainCsv(dir, "x.ogg"), "-o", dir.Path, "--threads", "1"], Deadline);

        Assert.False(r.TimedOut, "inputs spun on the Ogg file");
        Assert.Equal(0, r.Exit);
    }

    [Theory]
    [InlineData("list.ffconcat", "ffconcat version 1.0\nfile seg.ts\n")]
    [InlineData("list.m3u8", "#EXTM3U\n#EXT-X-TARGETDURATION:10\n#EXTINF:10,\nseg.ts\n#EXT-X-ENDLIST\n")]
    public void AListOfOtherFilesIsNotFollowedIntoAFifo(string name, string text)
    {
        using var dir = new TempDir();
        string audio = Audio(dir, (name, System.Text.Encoding.ASCII.GetBytes(text)));
        TinyRun.MkFifo(Path.Combine(audio, "seg.ts"));

        var r = CommandProcess.Run("inputs", [audio, TrainCsv(dir, name), "-o", dir.Path, "--threads", "1"], Deadline);

        Assert.False(r.TimedOut, "ffmpeg blocked on the FIFO the list names");
        Assert.Equal(3, r.Exit);
        string error = Assert.Single(r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries), l => l.StartsWith("error:"));
        Assert.Contains(name, error);
    }

    [Theory]
    [InlineData(Signals.Kill)]
    [InlineData(Signals.Terminate)]
    public void NoFfmpegOutlivesItsParent(int signal)
    {
        using var dir = new TempDir();
        // A stand-in for an ffmpeg blocked for ever (in open() on a FIFO, say): it says who it is, then sleeps.
        string bin = Directory.CreateDirectory(dir.File("bin")).FullName;
        string pidFile = dir.File("ffmpeg.pid");
        string fake = Path.Combine(bin, "ffmpeg");
        File.WriteAllText(fake, $"#!/bin/sh\necho $$ > '{pidFile}.tmp' && mv '{pidFile}.tmp' '{pidFile}'\nexec sleep 120\n");
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(fake, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        string audio = Audio(dir, ("x.flac", [.. "fLaC"u8, .. new byte[400]]));
        var env = new Dictionary<string, string?> { ["PATH"] = bin + ":" + Environment.GetEnvironmentVariable("PATH") };
        string outDir = Directory.CreateDirectory(dir.File("out")).FullName;

        using var p = CommandProcess.Start("inputs", [audio, TrainCsv(dir, "x.flac"), "-o", outDir, "--threads", "1"], environment: env);
        var clock = Stopwatch.StartNew();
        while (!File.Exists(pidFile) && !p.HasExited && clock.Elapsed < Deadline) Thread.Sleep(20);
        Assert.True(File.Exists(pidFile), "the fake ffmpeg was not started");
        int ffmpeg = int.Parse(File.ReadAllText(pidFile).Trim());
        Thread.Sleep(300);

        Signals.Send(p, signal);
        clock.Restart();
        bool ended = p.WaitForExit(5_000);
        if (!ended) p.Kill(entireProcessTree: true);
        p.WaitForExit();
        while (Alive(ffmpeg) && clock.Elapsed < TimeSpan.FromSeconds(5)) Thread.Sleep(20);
        bool orphan = Alive(ffmpeg);
        if (orphan) Process.GetProcessById(ffmpeg).Kill();

        Assert.True(ended, "inputs did not end within 5 s of the signal");
        Assert.False(orphan, "ffmpeg outlived inputs");
        // Nothing under a final name; a SIGTERM also cleans up (a SIGKILL leaves the hidden temporary files to the next run).
        Assert.DoesNotContain(Directory.GetFiles(outDir), f => !Path.GetFileName(f).StartsWith('.'));
        if (signal != Signals.Terminate) return;
        Assert.Equal(130, p.ExitCode);
        Assert.Empty(Directory.GetFiles(outDir));
    }

    [Fact]
    public void FeaturesCostWhatIsKeptNotWhatTheClipHolds()
    {
        // 0.5 s at --hop 1 is 384,001 frames of a 65536-point FFT into 4,096 bands (tens of minutes, GBs of log-mel);
        // 20 are kept.
        using var dir = new TempDir();
        string audio = Audio(dir, ("h.wav", EncodedClips.SourceWav(44100, 1, 22050)));
        string outDir = Directory.CreateDirectory(dir.File("out")).FullName;

        var r = CommandProcess.Run("inputs", [audio, TrainCsv(dir, "h.wav"), "-o", outDir, "--threads", "1", .. HugeSettings, "--max-frames", "20"], Deadline);

        Assert.False(r.TimedOut, "inputs computed frames it does not keep");
        Assert.Equal(0, r.Exit);
        Assert.Contains("(1, 20, 4096)", r.Out);
    }

    [Fact]
    public void OneSigtermStopsALongClipWithinSecondsAndExits130()
    {
        // With the clip-peak reference every one of the 384,001 frames is computed (for the peak): the stop must come
        // from inside that work, not after the clip.
        using var dir = new TempDir();
        string audio = Audio(dir, ("h.wav", EncodedClips.SourceWav(44100, 1, 22050)));
        string outDir = Directory.CreateDirectory(dir.File("out")).FullName;
        var stderr = new List<string>();
        using var p = CommandProcess.Start("inputs", [audio, TrainCsv(dir, "h.wav"), "-o", outDir, "--threads", "1", .. HugeSettings, "--max-frames", "20", "--log-reference", "clip-peak"], stderr: stderr);
        Thread.Sleep(4_000);
        Assert.False(p.HasExited, "finished before it could be signalled: " + string.Join("\n", stderr));

        Signals.Send(p, Signals.Terminate);
        bool ended = p.WaitForExit(5_000);
        if (!ended) p.Kill(entireProcessTree: true);
        p.WaitForExit();

        Assert.True(ended, "one SIGTERM did not stop inputs within 5 s");
        Assert.Equal(130, p.ExitCode);
        Assert.Empty(Directory.GetFiles(outDir));
    }

    [Fact]
    public void AWavAtOneHertzIsRefusedNotResampledForAnHour()
    {
        // 3,000 samples at 1 Hz are 50 minutes: 132 million samples at 44.1 kHz.
        using var dir = new TempDir();
        byte[] wav = new WavBuilder().Fmt(WavBuilder.Pcm, 1, 1, 16).Data(WavBuilder.Pcm16(Enumerable.Range(0, 3000).Select(i => (short)(i * 7)).ToArray())).ToArray();
        string audio = Audio(dir, ("slow.wav", wav));

        var r = CommandProcess.Run("inputs", [audio, TrainCsv(dir, "slow.wav"), "-o", dir.Path, "--threads", "1"], TimeSpan.FromSeconds(30));

        Assert.False(r.TimedOut, "the 1 Hz clip was resampled");
        Assert.Equal(3, r.Exit);
        Assert.Contains("slow.wav: sample rate 1 Hz is below 1000 Hz", r.Err);
    }

    private static readonly string[] HugeSettings = ["--sample-rate", "768000", "--n-fft", "65536", "--mels", "4096", "--fmax", "384000", "--hop", "1"];

    private static string Audio(TempDir dir, params (string Name, byte[] Bytes)[] files)
    {
        string audio = Directory.CreateDirectory(dir.File("audio")).FullName;
        foreach (var (name, bytes) in files) File.WriteAllBytes(Path.Combine(audio, name), bytes);
        return audio;
    }

    private static string TrainCsv(TempDir dir, string fname) => dir.Write("train.csv", $"fname,label,manually_verified\n{fname},A,1\n");

    private static bool Alive(int pid)
    {
        // A killed child whose new parent does not reap it stays a zombie ("Z"): dead all the same.
        try
        {
            string stat = File.ReadAllText($"/proc/{pid}/stat");
            return stat[(stat.LastIndexOf(')') + 2)..][0] != 'Z';
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>
    /// Sets the last Ogg page's granule position (its CRC recomputed, so the page stays valid); -1 sets it one past
    /// the granule of the page before.
    /// </summary>
    internal static void SetLastGranule(byte[] ogg, long granule)
    {
        int last = -1, before = -1;
        for (int i = 0; i < ogg.Length;)
        {
            Assert.True(ogg.AsSpan(i, 4).SequenceEqual("OggS"u8), $"no Ogg page at {i}");
            int segments = ogg[i + 26];
            int size = 27 + segments;
            for (int s = 0; s < segments; s++) size += ogg[i + 27 + s];
            before = last;
            last = i;
            i += size;
        }
        if (granule < 0) granule = BinaryPrimitives.ReadInt64LittleEndian(ogg.AsSpan(before + 6)) + 1;
        BinaryPrimitives.WriteInt64LittleEndian(ogg.AsSpan(last + 6), granule);
        BinaryPrimitives.WriteUInt32LittleEndian(ogg.AsSpan(last + 22), 0);
        BinaryPrimitives.WriteUInt32LittleEndian(ogg.AsSpan(last + 22), OggCrc(ogg.AsSpan(last)));
    }

    // Ogg's CRC-32: polynomial 0x04C11DB7, not reflected, initial value 0, over the page with its CRC field zeroed.
    private static uint OggCrc(ReadOnlySpan<byte> fromPage)
    {
        int segments = fromPage[26];
        int size = 27 + segments;
        for (int s = 0; s < segments; s++) size += fromPage[27 + s];
        uint crc = 0;
        foreach (byte b in fromPage[..size])
        {
            crc ^= (uint)b << 24;
            for (int k = 0; k < 8; k++) crc = (crc & 0x80000000) != 0 ? (crc << 1) ^ 0x04C11DB7 : crc << 1;
        }
        return crc;
    }
}
