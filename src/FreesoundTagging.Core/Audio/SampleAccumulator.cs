namespace FreesoundTagging.Audio;

/// <summary>
/// Collects decoded interleaved samples of unknown total length. Compressed formats' headers only estimate
/// their length (or lie), so nothing is allocated from them: the buffer grows with what was really decoded.
/// </summary>
internal sealed class SampleAccumulator(string? path)
{
    private float[] _samples = new float[1 << 16];

    public int Count { get; private set; }

    /// <summary>Room for at least <paramref name="count"/> more samples, to be committed with <see cref="Commit"/>.</summary>
    public Span<float> Reserve(int count)
    {
        if ((long)Count + count > Array.MaxLength)
            throw new InvalidAudioException($"too long to decode: more than {Array.MaxLength} samples", path);
        if (Count + count > _samples.Length)
            Array.Resize(ref _samples, (int)Math.Min(Array.MaxLength, Math.Max((long)_samples.Length * 2, (long)Count + count)));
        return _samples.AsSpan(Count, count);
    }

    public void Commit(int count) => Count += count;

    /// <summary>The samples as a clip; a trailing partial frame (a decoder cut off mid-frame) is dropped.</summary>
    public AudioClip ToClip(int sampleRate, int channels)
    {
        int whole = Count - Count % channels;
        var samples = _samples.Length == whole ? _samples : _samples.AsSpan(0, whole).ToArray();
        return new AudioClip(sampleRate, channels, samples);
    }
}
