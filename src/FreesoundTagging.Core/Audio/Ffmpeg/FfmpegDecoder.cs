using System.ComponentModel;
using System.Diagnostics;

namespace FreesoundTagging.Audio;

/// <summary>
/// Every format we have no managed decoder for (FLAC, Opus, AAC/M4A, AIFF, WMA, ...) goes through the
/// <c>ffmpeg</c> on PATH: it decodes the first audio stream to float32 PCM, all channels, at the file's own
/// rate, on a pipe; the channels are averaged and the rate converted by us, as for WAV. ffmpeg wraps the
/// samples in a WAV header (rate and channel count come with them), which <see cref="FfmpegMonoSource"/> reads as
/// it arrives. This type finds, starts and explains ffmpeg; the source reads it.
/// </summary>
public static class FfmpegDecoder
{
    /// <summary>Where the fix is spelled out when ffmpeg is missing.</summary>
    public const string InstallHint = "install ffmpeg (Debian/Ubuntu: apt-get install ffmpeg) or convert the file to WAV";

    private static readonly Lazy<string?> OnPath = new(() => Locate(Environment.GetEnvironmentVariable("PATH")));

    /// <summary>The ffmpeg executable found on this process's PATH at first use, or null.</summary>
    public static string? Executable => OnPath.Value;

    /// <summary>The first executable file named <c>ffmpeg</c> in the directories of <paramref name="pathVariable"/>.</summary>
    public static string? Locate(string? pathVariable)
    {
        foreach (string dir in (pathVariable ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            string candidate = Path.Combine(dir, OperatingSystem.IsWindows() ? "ffmpeg.exe" : "ffmpeg");
            if (File.Exists(candidate) && (OperatingSystem.IsWindows() || (File.GetUnixFileMode(candidate) & UnixFileMode.UserExecute) != 0))
                return candidate;
        }
        return null;
    }

    /// <summary>
    /// The demuxers ffmpeg may use: formats that hold their audio in the one file named. Playlists and lists of other
    /// files (ffconcat, HLS .m3u8, DASH, image sequences) are not among them: a train.csv entry naming such a list would
    /// make ffmpeg open whatever it lists (a FIFO beside it blocks ffmpeg in open() for ever).
    /// </summary>
    internal const string Demuxers = "aac,ac3,aiff,amr,amrnb,amrwb,ape,asf,au,avi,caf,dts,dtshd,eac3,flac,flv,gsm,matroska,mlp,mov,mp3,mpc,mpc8,"
        + "mpeg,mpegts,nut,ogg,oma,rm,shn,tak,truehd,tta,voc,w64,wav,wsaud,wv,xwma";

    // util-linux's setpriv (Debian's essential packages) asks the kernel to kill ffmpeg when the thread that started it
    // ends, so no ffmpeg outlives us however we end (a second SIGTERM, SIGKILL, a crash). The reading thread is the
    // one that starts it and reads it to its end, so it never ends first in a normal run.
    private const string ParentDeathWrapper = "/usr/bin/setpriv";

    /// <summary>Starts ffmpeg decoding <paramref name="path"/>'s first audio stream to float32 WAV on its standard output; its input is closed.</summary>
    /// <exception cref="InvalidAudioException">ffmpeg is missing or cannot be started.</exception>
    internal static Process Start(string path, AudioFormat format, string? executable)
    {
        if (executable is null)
            throw new InvalidAudioException($"{What(format)} needs ffmpeg, which is not on PATH: {InstallHint}", path);

        bool wrapped = OperatingSystem.IsLinux() && File.Exists(ParentDeathWrapper);
        var info = new ProcessStartInfo(wrapped ? ParentDeathWrapper : executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        if (wrapped)
            foreach (string arg in new[] { "--pdeathsig", "KILL", "--", executable }) info.ArgumentList.Add(arg);
        // "file:" keeps a name such as "a:b.flac" or "-x.flac" from being read as a protocol or an option; the
        // whitelists keep ffmpeg to that one local file, read by a demuxer that opens no other.
        foreach (string arg in new[] { "-nostdin", "-hide_banner", "-loglevel", "error", "-protocol_whitelist", "file", "-format_whitelist", Demuxers,
                     "-i", "file:" + Path.GetFullPath(path),
                     "-map", "0:a:0", "-vn", "-sn", "-dn", "-c:a", "pcm_f32le", "-f", "wav", "pipe:1" })
            info.ArgumentList.Add(arg);

        Process process;
        try
        {
            process = Process.Start(info) ?? throw new InvalidAudioException($"could not start {executable}", path);
        }
        catch (Win32Exception e)
        {
            throw new InvalidAudioException($"{What(format)} needs ffmpeg, which could not be started ({e.Message}): {InstallHint}", path, e);
        }
        process.StandardInput.Close();
        return process;
    }

    /// <summary>The error for an ffmpeg that exited with <paramref name="exitCode"/> or wrote nothing: its last stderr line.</summary>
    internal static InvalidAudioException Failed(string path, AudioFormat format, int exitCode, string stderr)
    {
        stderr = stderr.Trim();
        // "-map 0:a:0" finding nothing (a video without sound, an image) ends with ffmpeg's hint about the map
        // option, which names no reason the user can act on.
        string reason = stderr.Length == 0 ? $"exit code {exitCode}"
            : stderr.Contains("matches no streams", StringComparison.Ordinal) ? "it has no audio stream"
            : IsWhitelistRefusal(stderr) ? "it has no audio stream: its container is none of the audio formats ffmpeg is allowed to open here"
            : stderr.Split('\n')[^1].Trim();
        // ffmpeg prefixes its message with the input's URL; the path already leads our line.
        string url = "file:" + Path.GetFullPath(path) + ": ";
        if (reason.StartsWith(url, StringComparison.Ordinal)) reason = reason[url.Length..];
        return format.Decoder == AudioDecoderKind.Unknown
            ? new InvalidAudioException($"not a recognised audio format, and ffmpeg cannot decode it either ({reason})", path)
            : new InvalidAudioException($"ffmpeg could not decode this {format.Name} file ({reason})", path);
    }

    /// <summary>ffmpeg's answer when -format_whitelist excludes the container it probed (an image, a playlist):
    /// "Format not on whitelist", then "Invalid argument" on the input's URL, which names nothing a user can act on.</summary>
    private static bool IsWhitelistRefusal(string stderr) => stderr.Contains("Format not on whitelist", StringComparison.Ordinal);

    private static string What(AudioFormat format) =>
        format.Decoder == AudioDecoderKind.Unknown ? "this file is not a recognised audio format" : $"{format.Name} audio";
}
