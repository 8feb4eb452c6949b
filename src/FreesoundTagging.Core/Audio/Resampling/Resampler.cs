using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FreesoundTagging.Audio;

/// <summary>
/// The arithmetic of band-limited sinc resampling, reproducing librosa 0.6's <c>resample(y, orig_sr, target_sr)</c>:
/// resampy 0.4.2 with the 'kaiser_best' filter, then <c>fix_length</c> to ceil(n * target / source) samples.
/// <see cref="ResamplingSource"/> applies it to a clip as it is read.
/// </summary>
/// <remarks>
/// resampy accumulates each output in the input's dtype (float32 for librosa); this sums in double, which
/// is more accurate and differs from resampy by a few float32 ulps (~4e-7 on the goldens).
/// </remarks>
public static class Resampler
{
    /// <summary>Samples librosa returns for <paramref name="inputLength"/> samples: ceil(n * target / source).</summary>
    public static long OutputLength(long inputLength, int sourceRate, int targetRate)
    {
        CheckRates(sourceRate, targetRate);
        ArgumentOutOfRangeException.ThrowIfNegative(inputLength);
        if (sourceRate == targetRate) return inputLength;
        return (long)Math.Ceiling(inputLength * ((double)targetRate / sourceRate));
    }

    /// <summary>resampy's own output length before fix_length, int(n * target / source): fix_length zero-pads the rest (at most one sample).</summary>
    internal static long ResampyLength(long inputLength, int sourceRate, int targetRate) =>
        Math.Min(OutputLength(inputLength, sourceRate, targetRate), (long)((double)inputLength * targetRate / sourceRate));

    /// <summary>Input samples an output reads on each side of its position: the filter's half-width at this ratio.</summary>
    internal static int HalfWidth(double ratio) => KaiserBestFilter.Length / IndexStep(ratio);

    private static int IndexStep(double ratio) => (int)(Math.Min(1.0, ratio) * KaiserBestFilter.SamplesPerZeroCrossing);

    /// <summary>
    /// resampy.interpn's loop, in double, for outputs <paramref name="firstOutput"/> onwards into <paramref name="y"/>.
    /// <paramref name="x"/> holds the input from position <paramref name="xStart"/>: every input within
    /// <see cref="HalfWidth"/> of an output's position. <paramref name="inputLength"/> is the whole input's
    /// length, or, while streaming, any length that leaves HalfWidth inputs after every output's position: the
    /// filter's reach, not the input's end, then bounds each sum, so the outputs do not depend on how the input was
    /// split into reads.
    /// </summary>
    /// <returns>Outputs written; fewer than y.Length when an output's position reaches <paramref name="inputLength"/> (the rest are resampy's zeros).</returns>
    /// <remarks>
    /// The taps are read without bounds checks: resampy's i_max and k_max keep every index inside the table and
    /// the input, and the one assumption they rest on (n &lt; input length) is checked per output; the window
    /// <paramref name="x"/> is checked to hold each output's reach.
    /// </remarks>
    internal static int Interpolate(ReadOnlySpan<float> x, int xStart, int inputLength, int firstOutput, Span<float> y, double ratio)
    {
        const int table = KaiserBestFilter.SamplesPerZeroCrossing;
        const int windowLength = KaiserBestFilter.Length;
        ref double taps = ref MemoryMarshal.GetArrayDataReference(KaiserBestFilter.Interleaved);
        ref float input = ref MemoryMarshal.GetReference(x);
        // Downsampling widens the filter (scale < 1) to cut below the new Nyquist frequency. resampy scales the
        // table by `scale` before differencing it; scaling each sum instead differs by ~1e-16 relative and
        // spares a 6 MiB copy of the table per call.
        double scale = Math.Min(1.0, ratio);
        int indexStep = IndexStep(ratio);
        int halfWidth = windowLength / indexStep;
        double timeIncrement = 1.0 / ratio;

        for (int o = 0; o < y.Length; o++)
        {
            // resampy 0.4.2's t_out = arange(n_out) * (1 / ratio): rounded the same way, not accumulated.
            int t = firstOutput + o;
            double time = t * timeIncrement;
            int n = (int)time;
            if ((uint)n >= (uint)inputLength) return o;
            int m = n - xStart; // n's place in the window
            if (m - Math.Min(n, halfWidth - 1) < 0 || m + Math.Min(inputLength - n - 1, halfWidth) >= x.Length)
                throw new ArgumentException($"the input window [{xStart}, {xStart + x.Length}) does not reach around input {n}", nameof(x));

            double frac = scale * (time - n);
            double indexFrac = frac * table;
            int offset = (int)indexFrac;
            double eta = indexFrac - offset;
            double sum = 0;
            int iMax = Math.Min(n + 1, (windowLength - offset) / indexStep);
            for (int i = 0, j = offset; i < iMax; i++, j += indexStep)
                sum += (Unsafe.Add(ref taps, 2 * j) + eta * Unsafe.Add(ref taps, 2 * j + 1)) * Unsafe.Add(ref input, m - i);

            frac = scale - frac;
            indexFrac = frac * table;
            offset = (int)indexFrac;
            eta = indexFrac - offset;
            int kMax = Math.Min(inputLength - n - 1, (windowLength - offset) / indexStep);
            for (int k = 0, j = offset; k < kMax; k++, j += indexStep)
                sum += (Unsafe.Add(ref taps, 2 * j) + eta * Unsafe.Add(ref taps, 2 * j + 1)) * Unsafe.Add(ref input, m + k + 1);

            y[o] = (float)(scale * sum);
        }
        return y.Length;
    }

    private static void CheckRates(int sourceRate, int targetRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sourceRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetRate);
    }
}
