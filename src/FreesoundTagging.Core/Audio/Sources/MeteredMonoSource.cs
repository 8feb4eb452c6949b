namespace FreesoundTagging.Audio;

/// <summary>
/// Passes another source's samples through unchanged and measures them on the way: the peak magnitude (to tell a
/// near-silent clip, which a closed-set tagger still names something) and, through <paramref name="read"/>, how far
/// the decode has got (progress in audio seconds rather than in files).
/// </summary>
public sealed class MeteredMonoSource(IMonoSampleSource inner, Action<int>? read = null) : IMonoSampleSource
{
    /// <summary>The largest |sample| read so far.</summary>
    public float Peak { get; private set; }

    public int SampleRate => inner.SampleRate;

    public long LengthHint => inner.LengthHint;

    public long Position => inner.Position;

    public bool Truncated => inner.Truncated;

    public int Read(Span<float> destination)
    {
        int got = inner.Read(destination);
        float peak = Peak;
        foreach (float x in destination[..got]) peak = Math.Max(peak, Math.Abs(x));
        Peak = peak;
        if (got > 0) read?.Invoke(got);
        return got;
    }

    public void Dispose() => inner.Dispose();
}
