namespace FreesoundTagging.Features;

/// <summary>Pads a signal by FftSize/2 on both sides as librosa's center=True does (numpy.pad semantics).</summary>
public static class CenterPadding
{
    /// <summary>
    /// Returns <paramref name="samples"/> with <paramref name="pad"/> samples added on each side. Reflect mirrors
    /// without repeating the edge sample and, like numpy, keeps reflecting when the pad is longer than the
    /// signal, so even clips shorter than half a window get frames (torch's own reflect pad refuses those).
    /// </summary>
    public static float[] Apply(ReadOnlySpan<float> samples, int pad, StftPadMode mode)
    {
        int n = samples.Length;
        var padded = new float[n + 2 * pad];
        samples.CopyTo(padded.AsSpan(pad));
        if (mode == StftPadMode.Constant || n == 0) return padded;

        if (n == 1)
        {
            Array.Fill(padded, samples[0]);
            return padded;
        }
        long period = 2L * (n - 1);
        for (int i = 0; i < pad; i++)
        {
            padded[pad - 1 - i] = samples[Reflect(-(i + 1), n, period)];
            padded[pad + n + i] = samples[Reflect(n + i, n, period)];
        }
        return padded;
    }

    private static int Reflect(long position, int n, long period)
    {
        long q = ((position % period) + period) % period;
        return (int)(q < n ? q : period - q);
    }
}
