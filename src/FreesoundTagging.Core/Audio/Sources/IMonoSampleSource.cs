namespace FreesoundTagging.Audio;

/// <summary>
/// A clip's mono samples read front to back in blocks, so that a long clip is never held whole: the feature
/// extractor consumes them as they arrive and keeps only the window it still needs.
/// </summary>
public interface IMonoSampleSource : IDisposable
{
    /// <summary>Samples per second (Hz) of what <see cref="Read"/> returns.</summary>
    int SampleRate { get; }

    /// <summary>
    /// Samples the source expects to give in all, from the file's header: fewer arrive when the file is cut short;
    /// 0 when nothing records it (ffmpeg's pipe, an MP3 without a gapless header). Only sizes buffers.
    /// </summary>
    long LengthHint { get; }

    /// <summary>Samples returned so far; the clip's length once <see cref="Read"/> has returned 0.</summary>
    long Position { get; }

    /// <summary>The file ended inside its data; meaningful once <see cref="Read"/> has returned 0.</summary>
    bool Truncated { get; }

    /// <summary>Writes the next samples at the start of <paramref name="destination"/>.</summary>
    /// <returns>How many were written: at least 1 while samples remain (for a non-empty destination), 0 at the end.</returns>
    /// <exception cref="InvalidAudioException">The rest of the file cannot be read or decoded.</exception>
    int Read(Span<float> destination);
}
