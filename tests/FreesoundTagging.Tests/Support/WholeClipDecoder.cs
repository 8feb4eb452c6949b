using FreesoundTagging.Audio;
using NLayer;

namespace FreesoundTagging.Tests.Support;

/// <summary>
/// An independent reading to check the streaming sources against: each format decoded in one go into one interleaved
/// array with its channels kept (WAV by the chunk scanner and data reader, MP3 by NLayer with the gapless trim applied
/// to the whole clip, Ogg Vorbis by NVorbis, the rest by ffmpeg read to its end first). The production path decodes,
/// averages and trims block by block; its samples, truncation flags and messages must be this reader's
/// (<see cref="AudioClip.ToMono"/>).
/// </summary>
internal static class WholeClipDecoder
{
    /// <exception cref="InvalidAudioException">The file is missing, unreadable, or not audio we can decode.</exception>
    public static AudioClip Read(string path, string? ffmpeg)
    {
        ArgumentNullException.ThrowIfNull(path);
        AudioFormat format;
        using (var stream = Open(path, 64 * 1024))
        {
            format = DetectFormat(stream, path);
            try
            {
                switch (format.Decoder)
                {
                    case AudioDecoderKind.Wav: return ReadWav(stream, path);
                    case AudioDecoderKind.Mpeg: return ReadMpeg(stream, path);
                    case AudioDecoderKind.Vorbis: return ReadVorbis(stream, path);
                }
            }
            catch (IOException e)
            {
                throw new InvalidAudioException($"read failed: {e.Message}", path, e);
            }
            if (stream.Length == 0) throw new InvalidAudioException("file is empty (0 bytes)", path);
        }
        return ReadFfmpeg(path, format, ffmpeg);
    }

    /// <summary>
    /// librosa 0.6's <c>load(path, sr=sampleRate, mono=True)</c> done whole: decode, average the channels, resample the
    /// array. The result is mono at <paramref name="sampleRate"/>, flagged truncated as the file was.
    /// </summary>
    public static AudioClip LoadMono(string path, int sampleRate)
    {
        var clip = Read(path, FfmpegDecoder.Executable);
        float[] mono = clip.ToMono();
        if (clip.SampleRate != sampleRate) mono = WholeClipResampler.Resample(mono, clip.SampleRate, sampleRate);
        return new AudioClip(sampleRate, 1, mono, clip.Truncated);
    }

    /// <exception cref="InvalidAudioException">The file is missing, unreadable or not a WAV we can decode.</exception>
    public static AudioClip ReadWav(string path)
    {
        using var stream = Open(path, 4096);
        return ReadWav(stream, path);
    }

    /// <summary>Decodes a WAV from the stream's current position to its end.</summary>
    /// <param name="path">Named in error messages.</param>
    /// <exception cref="InvalidAudioException">The stream is unreadable or not a WAV we can decode.</exception>
    public static AudioClip ReadWav(Stream stream, string? path = null)
    {
        ArgumentNullException.ThrowIfNull(stream);
        try
        {
            if (!stream.CanSeek)
            {
                // The chunk walk needs to seek; copying holds exactly the bytes the stream really has.
                using var copy = new MemoryStream();
                stream.CopyTo(copy);
                copy.Position = 0;
                return DecodeWav(copy, path);
            }
            return DecodeWav(stream, path);
        }
        catch (IOException e)
        {
            throw new InvalidAudioException($"read failed: {e.Message}", path, e);
        }
    }

    private static AudioClip DecodeWav(Stream stream, string? path)
    {
        var layout = WavChunkScanner.Scan(stream, path);
        var format = layout.Format;
        long frames = layout.DataBytes / format.BlockAlign;
        if (frames * format.ChannelCount > Array.MaxLength)
            throw new InvalidAudioException($"too long to decode: {frames * format.ChannelCount} samples (at most {Array.MaxLength})", path);
        var samples = new float[frames * format.ChannelCount];
        using var reader = new WavDataReader(stream, layout, path);
        long frame = 0;
        int got;
        while ((got = reader.Read(samples.AsSpan((int)(frame * format.ChannelCount)))) > 0) frame += got;
        if (frame < frames) Array.Resize(ref samples, (int)(frame * format.ChannelCount));
        return new AudioClip(format.SampleRate, format.ChannelCount, samples, reader.Truncated);
    }

    private static AudioClip ReadMpeg(Stream stream, string path)
    {
        try
        {
            var gapless = MpegGapless.Read(stream);
            using var file = new MpegFile(stream);
            int channels = file.Channels, rate = file.SampleRate;
            if (channels <= 0 || rate <= 0) throw new InvalidAudioException("no MPEG audio frames found", path);
            var clip = ReadAll((buffer, count) => file.ReadSamples(buffer, 0, count), MpegMonoSource.BlockSamples, rate, channels, path);
            if (gapless is not { } trim) return clip;
            // A file cut short keeps what it has and is flagged as truncated (its header promised more frames).
            long skip = Math.Min(trim.SkipFrames, clip.FrameCount);
            long keep = Math.Min(trim.KeepFrames, clip.FrameCount - skip);
            bool truncated = clip.FrameCount < trim.SkipFrames + trim.KeepFrames;
            return new AudioClip(rate, channels, clip.Samples.AsSpan((int)(skip * channels), (int)(keep * channels)).ToArray(), truncated);
        }
        catch (Exception e) when (e is not (InvalidAudioException or OutOfMemoryException))
        {
            throw new InvalidAudioException($"malformed or truncated MP3 ({e.Message})", path, e);
        }
    }

    private static AudioClip ReadVorbis(Stream stream, string path)
    {
        try
        {
            using var reader = new VorbisStream(stream);
            int channels = reader.Channels, rate = reader.SampleRate;
            if (channels <= 0 || rate <= 0) throw new InvalidAudioException($"malformed Ogg Vorbis: {channels} channels at {rate} Hz", path);
            return ReadAll((buffer, count) => reader.ReadSamples(buffer, 0, count), VorbisMonoSource.BlockSize(channels), rate, channels, path);
        }
        catch (Exception e) when (e is not (InvalidAudioException or OutOfMemoryException))
        {
            throw new InvalidAudioException($"malformed or truncated Ogg Vorbis ({e.Message})", path, e);
        }
    }

    /// <summary>Everything the decoder gives, in blocks of <paramref name="block"/>; a trailing partial frame is dropped.</summary>
    private static AudioClip ReadAll(Func<float[], int, int> decode, int block, int rate, int channels, string path)
    {
        var samples = new List<float>();
        var buffer = new float[block];
        int read;
        while ((read = decode(buffer, block)) > 0)
        {
            if ((long)samples.Count + read > Array.MaxLength)
                throw new InvalidAudioException($"too long to decode: more than {Array.MaxLength} samples", path);
            samples.AddRange(buffer.AsSpan(0, read));
        }
        int whole = samples.Count - samples.Count % channels;
        return new AudioClip(rate, channels, samples.GetRange(0, whole).ToArray());
    }

    private static AudioClip ReadFfmpeg(string path, AudioFormat format, string? executable)
    {
        using var process = FfmpegDecoder.Start(path, format, executable);
        var errors = process.StandardError.ReadToEndAsync();
        var wav = new MemoryStream();
        process.StandardOutput.BaseStream.CopyTo(wav);
        process.WaitForExit();
        string stderr = errors.GetAwaiter().GetResult();
        if (process.ExitCode != 0 || wav.Length == 0) throw FfmpegDecoder.Failed(path, format, process.ExitCode, stderr);
        wav.Position = 0;
        // ffmpeg cannot go back to fill in the sizes on a pipe, so the header declares more data than
        // follows; that is expected here, not a truncated file.
        var clip = ReadWav(wav, path);
        return new AudioClip(clip.SampleRate, clip.ChannelCount, clip.Samples);
    }

    private static FileStream Open(string path, int bufferSize)
    {
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InvalidAudioException($"cannot open: {e.Message}", path, e);
        }
    }

    private static AudioFormat DetectFormat(Stream stream, string path)
    {
        var head = new byte[AudioFormat.HeadBytes];
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
        return AudioFormat.Detect(head.AsSpan(0, got));
    }
}
