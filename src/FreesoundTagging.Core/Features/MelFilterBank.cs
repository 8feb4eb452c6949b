using NWaves.Filters.Fda;

namespace FreesoundTagging.Features;

/// <summary>One mel filter's nonzero weights, on FFT bins <see cref="FirstBin"/> onwards.</summary>
public sealed record MelFilter(int FirstBin, double[] Weights);

/// <summary>
/// Triangular mel filters with Slaney area normalisation, as librosa.filters.mel(htk=False, norm='slaney'), built by
/// NWaves and kept sparse: each filter spans a handful of bins (669 of the 64 × 1025 weights are nonzero for the
/// original recipe), so projecting a power spectrum costs 1% of a dense matrix product.
/// </summary>
public sealed class MelFilterBank
{
    private MelFilterBank(IReadOnlyList<MelFilter> filters, int binCount)
    {
        Filters = filters;
        BinCount = binCount;
    }

    /// <summary>FFT bins a filter applies to: FftSize/2 + 1.</summary>
    public int BinCount { get; }

    public IReadOnlyList<MelFilter> Filters { get; }

    public int MelCount => Filters.Count;

    /// <summary>Filters that cover no FFT bin (too many bands for the FFT's resolution at the low end): their band
    /// is constant, the log of the offset, whatever the audio. librosa warns about the same ("Empty filters").</summary>
    public int EmptyFilterCount => Filters.Count(f => f.Weights.Length == 0);

    /// <exception cref="InvalidSettingsException">The settings are unusable (NWaves would fail or clamp silently).</exception>
    public static MelFilterBank Create(FeatureConfig config)
    {
        config.EnsureValid();
        float[][] dense = FilterBanks.MelBankSlaney(config.MelCount, config.FftSize, config.SampleRate, config.FMinHz, config.FMaxHz, normalizeGain: true);
        var filters = dense.Select(Sparse).ToList();
        return new MelFilterBank(filters, config.FftSize / 2 + 1);
    }

    /// <summary>mel[m] = Σ weights · power over filter m's bins; <paramref name="power"/> has <see cref="BinCount"/> values.</summary>
    public void Apply(ReadOnlySpan<double> power, Span<double> mel)
    {
        for (int m = 0; m < Filters.Count; m++)
        {
            var filter = Filters[m];
            ReadOnlySpan<double> bins = power.Slice(filter.FirstBin, filter.Weights.Length);
            double sum = 0;
            // A plain loop in bin order: the sum is the same on every CPU and thread count.
            for (int k = 0; k < bins.Length; k++) sum += filter.Weights[k] * bins[k];
            mel[m] = sum;
        }
    }

    /// <summary>The dense (MelCount, BinCount) matrix, for comparison with librosa.</summary>
    public double[,] ToDense()
    {
        var dense = new double[MelCount, BinCount];
        for (int m = 0; m < MelCount; m++)
            for (int k = 0; k < Filters[m].Weights.Length; k++)
                dense[m, Filters[m].FirstBin + k] = Filters[m].Weights[k];
        return dense;
    }

    private static MelFilter Sparse(float[] weights)
    {
        int first = Array.FindIndex(weights, w => w != 0);
        if (first < 0) return new MelFilter(0, []);
        int last = Array.FindLastIndex(weights, w => w != 0);
        return new MelFilter(first, weights[first..(last + 1)].Select(w => (double)w).ToArray());
    }
}
