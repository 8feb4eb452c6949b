namespace FreesoundTagging.Features;

/// <summary>Pads a signal by FftSize/2 on both sides as librosa's center=True does (numpy.pad semantics).</summary>
public static class CenterPadding
{
    /// <summary>
    /// Returns <paramref name="samples"/> with <paramref name="pad"/> samples added on each side (see <see cref="SampleAt"/>).
    /// The extractor reads frames through <see cref="SampleAt"/> instead, without building this array.
    /// </summary>
    public static float[] Apply(ReadOnlySpan<float> samples, int pad, StftPadMode mode)
    {
        var padded = new float[samples.Length + 2 * pad];
        for (int i = 0; i < padded.Length; i++) padded[i] = SampleAt(samples, i - pad, mode);
        return padded;
    }

    /// <summary>
    /// The value at <paramref name="position"/> of the signal extended on both sides (position 0 is the first sample;
    /// negative positions are the left padding). Reflect mirrors without repeating the edge sample and, like numpy,
    /// keeps reflecting when the pad is longer than the signal, so even clips shorter than half a window get frames;
    /// Constant is zeros.
    /// </summary>
    public static float SampleAt(ReadOnlySpan<float> samples, long position, StftPadMode mode)
    {
        int index = SourceIndex(position, samples.Length, mode);
        return index < 0 ? 0f : samples[index];
    }

    /// <summary>
    /// Which sample of a signal of <paramref name="length"/> samples the extended signal holds at
    /// <paramref name="position"/> (see <see cref="SampleAt"/>), or -1 where it holds a zero. A streamed clip's
    /// last frames read their padding through this, from the tail the extractor kept.
    /// </summary>
    public static int SourceIndex(long position, long length, StftPadMode mode)
    {
        if (position >= 0 && position < length) return (int)position;
        if (mode == StftPadMode.Constant || length == 0) return -1;
        if (length == 1) return 0;
        return Reflect(position, length, 2L * (length - 1));
    }

    private static int Reflect(long position, long n, long period)
    {
        long q = ((position % period) + period) % period;
        return (int)(q < n ? q : period - q);
    }
}
