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
        int n = samples.Length;
        if (position >= 0 && position < n) return samples[(int)position];
        if (mode == StftPadMode.Constant || n == 0) return 0f;
        if (n == 1) return samples[0];
        return samples[Reflect(position, n, 2L * (n - 1))];
    }

    private static int Reflect(long position, int n, long period)
    {
        long q = ((position % period) + period) % period;
        return (int)(q < n ? q : period - q);
    }
}
