using NLayer;

namespace FreesoundTagging.Audio;

/// <summary>MPEG audio layers I-III (MP3) through NLayer (managed, MIT): interleaved float32 at the file's rate.</summary>
internal static class MpegDecoder
{
    /// <summary>Interleaved samples asked of NLayer per call; the streaming source asks the same.</summary>
    internal const int BlockSamples = 16 * 1152;

    /// <exception cref="InvalidAudioException">No MPEG audio frames NLayer can decode.</exception>
    public static AudioClip Read(Stream stream, string? path)
    {
        try
        {
            var gapless = MpegGapless.Read(stream);
            using var file = new MpegFile(stream);
            int channels = file.Channels, rate = file.SampleRate;
            if (channels <= 0 || rate <= 0) throw NoFrames(path);
            var samples = new SampleAccumulator(path);
            var buffer = new float[BlockSamples];
            int read;
            while ((read = file.ReadSamples(buffer, 0, buffer.Length)) > 0)
            {
                buffer.AsSpan(0, read).CopyTo(samples.Reserve(read));
                samples.Commit(read);
            }
            var clip = samples.ToClip(rate, channels);
            return gapless is { } trim ? Trim(clip, trim) : clip;
        }
        catch (Exception e) when (e is not (InvalidAudioException or OutOfMemoryException))
        {
            throw Malformed(e, path);
        }
    }

    internal static InvalidAudioException NoFrames(string? path) => new("no MPEG audio frames found", path);

    // NLayer reports bad data with whatever exception its parser hits; to the user it is one thing.
    internal static InvalidAudioException Malformed(Exception e, string? path) =>
        new($"malformed or truncated MP3 ({e.Message})", path, e);

    // A file cut short keeps what it has and is flagged as truncated (its header promised more frames).
    private static AudioClip Trim(AudioClip clip, MpegGapless trim)
    {
        long skip = Math.Min(trim.SkipFrames, clip.FrameCount);
        long keep = Math.Min(trim.KeepFrames, clip.FrameCount - skip);
        bool truncated = clip.FrameCount < trim.SkipFrames + trim.KeepFrames;
        int channels = clip.ChannelCount;
        return new AudioClip(clip.SampleRate, channels, clip.Samples.AsSpan((int)(skip * channels), (int)(keep * channels)).ToArray(), truncated);
    }
}
