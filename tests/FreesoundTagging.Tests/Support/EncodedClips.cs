using System.Collections.Concurrent;
using System.Diagnostics;
using FreesoundTagging.Audio;
using FreesoundTagging.Tests.Audio;

namespace FreesoundTagging.Tests.Support;

/// <summary>
/// Compressed clips made at test time by ffmpeg (which ./build.sh test installs) from generated WAVs, so no
/// large encoded file is committed: each (format, rate, channels, frames) is encoded once per fixture, into a
/// folder deleted with it. The source is a tone per channel plus a little noise, deterministic.
/// </summary>
public sealed class EncodedClips : IDisposable
{
    private readonly TempDir _dir = new();
    private readonly ConcurrentDictionary<string, Lazy<string>> _files = new();

    /// <summary>ffmpeg's encoder arguments per format name; "mp3-noxing" is an MP3 without the gapless header.</summary>
    private static readonly Dictionary<string, (string Extension, string[] Args)> Encoders = new()
    {
        ["mp3"] = (".mp3", new[] { "-c:a", "libmp3lame", "-b:a", "128k" }),
        ["mp3-noxing"] = (".mp3", new[] { "-c:a", "libmp3lame", "-b:a", "128k", "-write_xing", "0" }),
        ["ogg"] = (".ogg", new[] { "-c:a", "libvorbis", "-q:a", "3" }),
        ["flac"] = (".flac", new[] { "-c:a", "flac" }),
    };

    public static string Ffmpeg => FfmpegDecoder.Executable
        ?? throw new InvalidOperationException("ffmpeg is not on PATH: ./build.sh test installs it (apt-get install ffmpeg)");

    /// <summary>The path of the clip, encoding it on first use.</summary>
    public string Get(string format, int rate, int channels, int frames)
    {
        string name = $"{format}-{rate}-{channels}-{frames}";
        return _files.GetOrAdd(name, _ => new Lazy<string>(() => Encode(name, format, rate, channels, frames))).Value;
    }

    /// <summary>A scratch path in the fixture's folder.</summary>
    public string Scratch(string name) => _dir.File(name);

    public static byte[] SourceWav(int rate, int channels, int frames)
    {
        var samples = new short[frames * channels];
        var random = new Random(frames + 31 * channels);
        for (int f = 0; f < frames; f++)
            for (int c = 0; c < channels; c++)
                samples[f * channels + c] = (short)(9000 * Math.Sin(2 * Math.PI * (330 + 220 * c) * f / rate) + random.Next(-700, 700));
        return new WavBuilder().Fmt(WavBuilder.Pcm, channels, rate, 16).Data(WavBuilder.Pcm16(samples)).ToArray();
    }

    private string Encode(string name, string format, int rate, int channels, int frames)
    {
        var (extension, args) = Encoders[format];
        string source = _dir.Write(name + ".wav", SourceWav(rate, channels, frames));
        string output = _dir.File(name + extension);
        Run(["-nostdin", "-hide_banner", "-loglevel", "error", "-y", "-i", source, .. args, output]);
        File.Delete(source);
        return output;
    }

    private static void Run(string[] args)
    {
        var info = new ProcessStartInfo(Ffmpeg) { RedirectStandardError = true, UseShellExecute = false };
        foreach (string arg in args) info.ArgumentList.Add(arg);
        using var process = Process.Start(info)!;
        string errors = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"ffmpeg {string.Join(' ', args)} failed: {errors}");
    }

    public void Dispose() => _dir.Dispose();
}
