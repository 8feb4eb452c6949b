namespace FreesoundTagging.Audio;

/// <summary>Ogg Vorbis through NVorbis (managed, MIT): interleaved float32 at the stream's own rate.</summary>
internal static class VorbisDecoder
{
    private const int BlockSamples = 16 * 1024;

    /// <exception cref="InvalidAudioException">Not a Vorbis stream NVorbis can decode.</exception>
    public static AudioClip Read(Stream stream, string? path)
    {
        try
        {
            using var reader = new VorbisStream(stream);
            int channels = reader.Channels, rate = reader.SampleRate;
            if (channels <= 0 || rate <= 0) throw new InvalidAudioException($"malformed Ogg Vorbis: {channels} channels at {rate} Hz", path);
            var samples = new SampleAccumulator(path);
            int block = BlockSize(channels);
            var buffer = new float[block];
            int read;
            while ((read = reader.ReadSamples(buffer, 0, block)) > 0)
            {
                buffer.AsSpan(0, read).CopyTo(samples.Reserve(read));
                samples.Commit(read);
            }
            return samples.ToClip(rate, channels);
        }
        catch (Exception e) when (e is not (InvalidAudioException or OutOfMemoryException))
        {
            throw Malformed(e, path);
        }
    }

    /// <summary>Interleaved samples asked of NVorbis per call (whole frames); the streaming source asks the same.</summary>
    internal static int BlockSize(int channels) => BlockSamples - BlockSamples % channels;

    // NVorbis reports bad data with whatever exception its parser hits; to the user it is one thing.
    internal static InvalidAudioException Malformed(Exception e, string? path) =>
        new($"malformed or truncated Ogg Vorbis ({e.Message})", path, e);
}
