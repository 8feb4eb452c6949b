namespace FreesoundTagging.Audio;

/// <summary>
/// resampy's 'kaiser_best' interpolation filter: the right wing of a windowed sinc, tabulated at
/// <see cref="SamplesPerZeroCrossing"/> points per zero crossing. resampy ships it precomputed (float64);
/// this recomputes it from the same recipe, which agrees to ~1e-15.
/// </summary>
internal static class KaiserBestFilter
{
    public const int ZeroCrossings = 64;

    /// <summary>2^precision with precision = 9 (resampy's num_table).</summary>
    public const int SamplesPerZeroCrossing = 512;

    public const double Rolloff = 0.9475937167399596;

    public const double KaiserBeta = 14.769656459379492;

    /// <summary>interp_win: (ZeroCrossings * SamplesPerZeroCrossing + 1) taps, starting at the centre.</summary>
    public static double[] Window { get; }

    /// <summary>interp_delta: Window[i + 1] - Window[i], with 0 after the last tap.</summary>
    public static double[] Delta { get; }

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
        var delta = new double[half + 1];
        for (int k = 0; k < half; k++) delta[k] = window[k + 1] - window[k];
        Window = window;
        Delta = delta;
    }

    /// <summary>numpy's normalised sinc, sin(pi x) / (pi x).</summary>
    private static double Sinc(double x)
    {
        if (x == 0) return 1;
        double y = Math.PI * x;
        return Math.Sin(y) / y;
    }

    /// <summary>Modified Bessel function of the first kind, order 0: sum over k of ((x/2)^2)^k / (k!)^2.</summary>
    /// <remarks>All terms are positive, so the plain series is accurate to a few ulps for the |x| ≤ 15 used here.</remarks>
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
