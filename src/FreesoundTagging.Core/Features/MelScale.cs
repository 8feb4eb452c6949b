namespace FreesoundTagging.Features;

/// <summary>The Slaney mel scale (librosa htk=False): linear below 1 kHz, logarithmic above.</summary>
public static class MelScale
{
    private const double LinearHzPerMel = 200.0 / 3.0;
    private const double LogRegionStartHz = 1000.0;
    private const double LogRegionStartMel = LogRegionStartHz / LinearHzPerMel;
    private static readonly double LogStep = Math.Log(6.4) / 27.0;

    public static double HzToMel(double hz) =>
        hz >= LogRegionStartHz
            ? LogRegionStartMel + Math.Log(hz / LogRegionStartHz) / LogStep
            : hz / LinearHzPerMel;

    public static double MelToHz(double mel) =>
        mel >= LogRegionStartMel
            ? LogRegionStartHz * Math.Exp(LogStep * (mel - LogRegionStartMel))
            : mel * LinearHzPerMel;

    /// <summary><paramref name="count"/> frequencies evenly spaced on the mel scale from fmin to fmax (librosa.mel_frequencies).</summary>
    public static double[] Frequencies(int count, double fMinHz, double fMaxHz)
    {
        double lo = HzToMel(fMinHz), hi = HzToMel(fMaxHz);
        var hz = new double[count];
        for (int i = 0; i < count; i++)
        {
            double mel = count == 1 ? lo : lo + (hi - lo) * i / (count - 1);
            hz[i] = MelToHz(mel);
        }
        return hz;
    }
}
