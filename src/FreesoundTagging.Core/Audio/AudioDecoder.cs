namespace FreesoundTagging.Audio;

/// <summary>
/// The one entry point for decoding any audio file: the format is detected from the file's content
/// (<see cref="AudioFormat.Detect"/>) and the matching source decodes it as it is read, averaged to mono at the
/// file's own rate (WAV: ours; MP3: NLayer; Ogg Vorbis: NVorbis; anything else: ffmpeg when it is on PATH).
/// </summary>
/// <remarks>
/// Adding a format with a managed decoder takes one folder and three edits: the folder holds its
/// <see cref="IMonoSampleSource"/> (a block decoder derives from <see cref="BlockDecodedMonoSource"/>, which averages
/// the channels and carries partial frames), <see cref="AudioDecoderKind"/> gets a member, <see cref="AudioFormat.Detect"/>
/// recognises its first bytes, and <see cref="OpenMono(string, string?, CancellationToken)"/> opens its source.
/// Resampling, the whole-clip read (<see cref="MonoSampleSourceExtensions.ReadToEnd"/>) and the features come with
/// the source. A format only ffmpeg decodes needs only the <see cref="AudioFormat.Detect"/> line (and its demuxer
/// in <see cref="FfmpegDecoder.Demuxers"/>).
/// </remarks>
public static class AudioDecoder
{
    /// <summary>The format of the file at <paramref name="path"/>, from its first bytes.</summary>
    /// <exception cref="InvalidAudioException">The file cannot be opened or read.</exception>
    public static AudioFormat DetectFormat(string path)
    {
        using var stream = Open(path);
        return DetectFormat(stream, path);
    }

    /// <summary>
    /// The file's samples averaged to mono at its own rate, as a source decoded as it is read (WAV by us, MP3 by
    /// NLayer, Ogg Vorbis by NVorbis, the rest by ffmpeg on a pipe), so memory does not grow with the clip.
    /// </summary>
    /// <exception cref="InvalidAudioException">The file is missing, unreadable, or not audio we can decode.</exception>
    public static IMonoSampleSource OpenMono(string path) => OpenMono(path, FfmpegDecoder.Executable);

    /// <param name="ffmpeg">The ffmpeg executable for formats without a managed decoder; null = not installed.</param>
    /// <param name="cancel">Ends an ffmpeg decode at once (the managed decoders are stopped by their caller between reads).</param>
    /// <exception cref="InvalidAudioException">The file is missing, unreadable, or not audio we can decode.</exception>
    public static IMonoSampleSource OpenMono(string path, string? ffmpeg, CancellationToken cancel = default)
    {
        ArgumentNullException.ThrowIfNull(path);
        var stream = Open(path);
        AudioFormat format;
        try
        {
            format = DetectFormat(stream, path);
            // The managed decoders say what an empty file is; ffmpeg is not started for one.
            if (format.Decoder is AudioDecoderKind.Ffmpeg or AudioDecoderKind.Unknown && stream.Length == 0)
                throw new InvalidAudioException("file is empty (0 bytes)", path);
        }
        catch (IOException e)
        {
            stream.Dispose();
            throw new InvalidAudioException($"read failed: {e.Message}", path, e);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        // Each source owns the stream from here, also when it throws.
        switch (format.Decoder)
        {
            case AudioDecoderKind.Wav: return new WavMonoSource(stream, path);
            case AudioDecoderKind.Mpeg: return MpegMonoSource.Open(stream, path);
            case AudioDecoderKind.Vorbis: return VorbisMonoSource.Open(stream, path);
        }
        stream.Dispose();
        return FfmpegMonoSource.Open(path, format, ffmpeg, cancel);
    }

    private static FileStream Open(string path)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 64 * 1024, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InvalidAudioException($"cannot open: {e.Message}", path, e);
        }
    }

    private static AudioFormat DetectFormat(Stream stream, string path)
    {
        Span<byte> head = stackalloc byte[AudioFormat.HeadBytes];
        int got;
        try
        {
            got = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
            stream.Position = 0;
        }
        catch (IOException e)
        {
            throw new InvalidAudioException($"read failed: {e.Message}", path, e);
        }
        return AudioFormat.Detect(head[..got]);
    }
}
