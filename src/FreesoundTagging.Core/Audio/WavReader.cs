using System.Buffers;

namespace FreesoundTagging.Audio;

/// <summary>
/// Decodes RIFF/WAVE files (PCM 8/16/24/32-bit, IEEE float 32/64, plain or WAVE_FORMAT_EXTENSIBLE) the way
/// soundfile does. Every problem with the input surfaces as <see cref="InvalidAudioException"/>.
/// </summary>
public static class WavReader
{
    // Data is decoded through a pooled buffer of about this size, so memory is the output array plus 64 KiB.
    private const int BlockBytes = 64 * 1024;

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
        int blockAlign = format.BlockAlign;
        long frames = layout.DataBytes / blockAlign;
        long sampleCount = frames * format.ChannelCount;
        if (sampleCount > Array.MaxLength)
            throw new InvalidAudioException($"too long to decode: {sampleCount} samples (at most {Array.MaxLength})", path);
        // A partial trailing frame of a short file is dropped, like libsndfile.
        bool truncated = layout.Truncated;

        var samples = new float[sampleCount];
        int bytesPerSample = format.Encoding.BytesPerSample();
        int blockFrames = Math.Max(1, BlockBytes / blockAlign);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(blockFrames * blockAlign);
        try
        {
            stream.Position = layout.DataOffset;
            long frame = 0;
            while (frame < frames)
            {
                int want = (int)Math.Min(blockFrames, frames - frame) * blockAlign;
                int got = stream.ReadAtLeast(buffer.AsSpan(0, want), want, throwOnEndOfStream: false);
                int gotFrames = got / blockAlign;
                var destination = samples.AsSpan((int)(frame * format.ChannelCount), gotFrames * format.ChannelCount);
                int bad = SampleDecoder.Decode(buffer.AsSpan(0, gotFrames * blockAlign), destination, format.Encoding);
                if (bad >= 0)
                {
                    long index = frame * format.ChannelCount + bad;
                    string what = float.IsNaN(destination[bad]) ? "NaN" : "infinite";
                    throw new InvalidAudioException(
                        $"sample {index} (frame {index / format.ChannelCount}, channel {index % format.ChannelCount}) is {what}; " +
                        $"a {bytesPerSample * 8}-bit float WAV must hold finite values", path);
                }
                frame += gotFrames;
                if (got < want)
                {
                    // The stream ended before its own Length said: keep what was read.
                    truncated = true;
                    Array.Resize(ref samples, (int)(frame * format.ChannelCount));
                    break;
                }
            }
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
        return new AudioClip(format.SampleRate, format.ChannelCount, samples, truncated);
    }
}
