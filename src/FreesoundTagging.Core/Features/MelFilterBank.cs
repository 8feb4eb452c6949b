namespace FreesoundTagging.Features;

/// <summary>
/// Triangular mel filters with Slaney area normalisation, as librosa.filters.mel(htk=False, norm='slaney').
/// </summary>
public static class MelFilterBank
{
    /// <summary>The filter matrix, shape (MelCount, FftSize/2 + 1), row-major, in double precision.</summary>
    public static double[,] Create(FeatureConfig config)
    {
        config.EnsureValid();
        int bins = config.FftSize / 2 + 1;
        int mels = config.MelCount;
        var fftHz = new double[bins];
        for (int k = 0; k < bins; k++) fftHz[k] = k * (double)config.SampleRate / config.FftSize;

        double[] edges = MelScale.Frequencies(mels + 2, config.FMinHz, config.FMaxHz);
        var weights = new double[mels, bins];
        for (int m = 0; m < mels; m++)
        {
            double lowerWidth = edges[m + 1] - edges[m];
            double upperWidth = edges[m + 2] - edges[m + 1];
            // Slaney normalisation: each filter has unit area in Hz, so wide high filters are not louder.
            double norm = 2.0 / (edges[m + 2] - edges[m]);
            for (int k = 0; k < bins; k++)
            {
                double rising = (fftHz[k] - edges[m]) / lowerWidth;
                double falling = (edges[m + 2] - fftHz[k]) / upperWidth;
                weights[m, k] = Math.Max(0.0, Math.Min(rising, falling)) * norm;
            }
        }
        return weights;
    }

    /// <summary>The same matrix as float32, row-major (MelCount × bins), ready for a tensor.</summary>
    public static float[] CreateSingle(FeatureConfig config)
    {
        double[,] w = Create(config);
        var flat = new float[w.Length];
        int i = 0;
        foreach (double v in w) flat[i++] = (float)v;
        return flat;
    }
}
