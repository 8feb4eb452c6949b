namespace FreesoundTagging.Audio;

/// <summary>
/// resampy's 'kaiser_best' interpolation filter: the right wing of a Kaiser-windowed sinc, tabulated at
/// <see cref="SamplesPerZeroCrossing"/> points per zero crossing. resampy 0.4.2 ships it precomputed
/// (data/kaiser_best.npz, float64); this recomputes it from the parameters stored there and in its docs, and
/// agrees with the shipped table to ~1e-15.
/// </summary>
/// <remarks>
/// The parameters are those of the shipped table (50 zeros, 2^13 per zero, rolloff 0.917347, beta 12.9846),
/// not the older 64 / 2^9 / 0.9475937 / 14.7697 set still quoted in places: that one differs by up to 1e-2
/// on real audio.
/// </remarks>
internal static class KaiserBestFilter
{
    public const int ZeroCrossings = 50;

    /// <summary>resampy's num_table (the npz's "precision" field): 2^13.</summary>
    public const int SamplesPerZeroCrossing = 8192;

    public const double Rolloff = 0.917347;

    public const double KaiserBeta = 12.9846;

    /// <summary>Taps in the table: ZeroCrossings * SamplesPerZeroCrossing + 1, starting at the centre.</summary>
    public const int Length = ZeroCrossings * SamplesPerZeroCrossing + 1;

    /// <summary>
    /// interp_win and interp_delta interleaved: [2j] is tap j, [2j + 1] is tap j + 1 minus tap j (0 after the
    /// last). The resampler reads both at strides of thousands of taps, so keeping them in one cache line
    /// halves its cache misses.
    /// </summary>
    public static double[] Interleaved { get; }

    /// <summary>interp_win[j].</summary>
    public static double Window(int j) => Interleaved[2 * j];

    /// <summary>interp_delta[j].</summary>
    public static double Delta(int j) => Interleaved[2 * j + 1];

    static KaiserBestFilter()
    {
        int half = ZeroCrossings * SamplesPerZeroCrossing;
        var window = new double[half + 1];
        double i0Beta = BesselI0(KaiserBeta);
        for (int k = 0; k <= half; k++)
        {
            // Right half of scipy's symmetric kaiser(2*half + 1, beta): index half + k, alpha = half.
            double r = (double)k / half;
            double taper = BesselI0(KaiserBeta * Math.Sqrt(1 - r * r)) / i0Beta;
            // np.linspace(0, ZeroCrossings, half + 1)[k]; the step is a power of two, so this is exact.
            double t = k * ((double)ZeroCrossings / half);
            window[k] = taper * (Rolloff * Sinc(Rolloff * t));
        }
        var interleaved = new double[2 * (half + 1)];
        for (int k = 0; k <= half; k++)
        {
            interleaved[2 * k] = window[k];
            interleaved[2 * k + 1] = k < half ? window[k + 1] - window[k] : 0;
        }
        Interleaved = interleaved;
    }

    /// <summary>numpy's normalised sinc, sin(pi x) / (pi x).</summary>
    private static double Sinc(double x)
    {
        if (x == 0) return 1;
        double y = Math.PI * x;
        return Math.Sin(y) / y;
    }

    /// <summary>Modified Bessel function of the first kind, order 0: sum over k of ((x/2)^2)^k / (k!)^2.</summary>
    /// <remarks>All terms are positive, so the plain series is accurate to a few ulps for the |x| ≤ 13 used here.</remarks>
    internal static double BesselI0(double x)
    {
        double quarterSquare = x * x / 4;
        double term = 1, sum = 1;
        for (int k = 1; k < 500; k++)
        {
            term *= quarterSquare / ((double)k * k);
            sum += term;
            if (term < sum * 1e-17) break;
        }
        return sum;
    }
}
