namespace FreesoundTagging.Audio;

/// <summary>
/// Decodes RIFF/WAVE files (PCM 8/16/24/32-bit, IEEE float 32/64, plain or WAVE_FORMAT_EXTENSIBLE) the way
/// soundfile does. Every problem with the input surfaces as <see cref="InvalidAudioException"/>.
/// </summary>
public static class WavReader
{
    /// <exception cref="InvalidAudioException">The file is missing, unreadable or not a WAV we can decode.</exception>
    public static AudioClip Read(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        FileStream stream;
        try
        {
            stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 4096, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            throw new InvalidAudioException($"cannot open: {e.Message}", path, e);
        }
        using (stream) return Read(stream, path);
    }

    /// <summary>Decodes from the stream's current position to its end.</summary>
    /// <param name="path">Named in error messages.</param>
    /// <exception cref="InvalidAudioException">The stream is unreadable or not a WAV we can decode.</exception>
    public static AudioClip Read(Stream stream, string? path = null)
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
                return Decode(copy, path);
            }
            return Decode(stream, path);
        }
        catch (IOException e)
        {
            throw new InvalidAudioException($"read failed: {e.Message}", path, e);
        }
    }

    private static AudioClip Decode(Stream stream, string? path)
    {
        var layout = WavChunkScanner.Scan(stream, path);
        var format = layout.Format;
        long frames = layout.DataBytes / format.BlockAlign;
        CheckLength(frames * format.ChannelCount, path);
        var samples = new float[frames * format.ChannelCount];
        using var reader = new WavDataReader(stream, layout, path);
        long frame = 0;
        int got;
        while ((got = reader.Read(samples.AsSpan((int)(frame * format.ChannelCount)))) > 0) frame += got;
        if (frame < frames) Array.Resize(ref samples, (int)(frame * format.ChannelCount));
        return new AudioClip(format.SampleRate, format.ChannelCount, samples, reader.Truncated);
    }

    /// <exception cref="InvalidAudioException">More samples than one array holds.</exception>
    internal static void CheckLength(long sampleCount, string? path)
    {
        if (sampleCount > Array.MaxLength)
            throw new InvalidAudioException($"too long to decode: {sampleCount} samples (at most {Array.MaxLength})", path);
    }
}
