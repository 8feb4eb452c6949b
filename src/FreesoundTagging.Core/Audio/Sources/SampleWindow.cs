namespace FreesoundTagging.Audio;

/// <summary>
/// The part of a sample stream a consumer still needs: what it must look back on plus what it has read ahead.
/// Positions are the stream's (sample 0 is the clip's first); the buffer keeps its size as long as the consumer
/// discards what it is done with, which is what keeps a long clip's memory bounded.
/// </summary>
internal sealed class SampleWindow(int capacity)
{
    private float[] _buffer = new float[capacity > 0 ? capacity : throw new ArgumentOutOfRangeException(nameof(capacity))];

    /// <summary>Stream position of <see cref="Samples"/>[0].</summary>
    public long Start { get; private set; }

    /// <summary>Stream position one past the last sample held: how far the stream has been read.</summary>
    public long End => Start + Samples.Length;

    public ReadOnlySpan<float> Samples => _buffer.AsSpan(0, Count);

    /// <summary>Samples the buffer holds room for; it only grows when a consumer fills it without discarding.</summary>
    public int Capacity => _buffer.Length;

    private int Count { get; set; }

    /// <summary>Reads from <paramref name="source"/> into the free room (growing the buffer if there is none).</summary>
    /// <returns>Samples read; 0 when the source has ended.</returns>
    public int Fill(IMonoSampleSource source)
    {
        if (Count == _buffer.Length) Array.Resize(ref _buffer, _buffer.Length * 2);
        int got = source.Read(_buffer.AsSpan(Count));
        Count += got;
        return got;
    }

    /// <summary>Forgets everything, for a new stream (position 0); keeps the buffer.</summary>
    public void Clear()
    {
        Start = 0;
        Count = 0;
    }

    /// <summary>Forgets the samples before stream position <paramref name="position"/>.</summary>
    public void DiscardBefore(long position)
    {
        int drop = (int)Math.Clamp(position - Start, 0, Count);
        if (drop == 0) return;
        _buffer.AsSpan(drop, Count - drop).CopyTo(_buffer);
        Count -= drop;
        Start += drop;
    }
}
