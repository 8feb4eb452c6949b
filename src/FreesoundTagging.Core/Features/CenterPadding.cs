namespace FreesoundTagging.Features;

/// <summary>Pads a signal by FftSize/2 on both sides as librosa's center=True does (numpy.pad semantics).</summary>
public static class CenterPadding
{
    /// <summary>
    /// Returns <paramref name="samples"/> with <paramref name="pad"/> samples added on each side. Reflect mirrors
    /// without repeating the edge sample and, like numpy, keeps reflecting when the pad is longer than the
    /// signal, so even clips shorter than half a window get frames.
    /// </summary>
    public static float[] Apply(ReadOnlySpan<float> samples, int pad, StftPadMode mode)
    {
        var padded = new float[samples.Length + 2 * pad];
        Apply(samples, pad, mode, padded);
        return padded;
    }

    /// <summary>The same into <paramref name="padded"/>, which holds exactly samples + 2 × pad values.</summary>
    public static void Apply(ReadOnlySpan<float> samples, int pad, StftPadMode mode, Span<float> padded)
    {
        int n = samples.Length;
        if (padded.Length != n + 2 * pad) throw new ArgumentException($"needs {n + 2 * pad} values, got {padded.Length}", nameof(padded));
        samples.CopyTo(padded[pad..]);
        if (mode == StftPadMode.Constant || n == 0)
        {
            padded[..pad].Clear();
            padded[(pad + n)..].Clear();
            return;
        }
        if (n == 1)
        {
            padded.Fill(samples[0]);
            return;
        }
        long period = 2L * (n - 1);
        for (int i = 0; i < pad; i++)
        {
            padded[pad - 1 - i] = samples[Reflect(-(i + 1), n, period)];
            padded[pad + n + i] = samples[Reflect(n + i, n, period)];
        }
    }

    /// <summary>
    /// The value at <paramref name="position"/> of the signal extended on both sides as <see cref="Apply(ReadOnlySpan{float}, int, StftPadMode)"/>
    /// extends it (position 0 is the first sample; negative positions are the left padding).
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
