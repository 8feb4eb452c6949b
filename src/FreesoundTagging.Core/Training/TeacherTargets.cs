namespace FreesoundTagging.Training;

/// <summary>
/// A teacher's class probabilities for every row of a training set, softened by the distillation temperature: what a
/// student is trained towards beside the labels (knowledge distillation, Hinton et al. 2015). They are computed once
/// per clip, the way predict scores it with the teacher (all its members, windows and band shifts), so the teacher's
/// test-time averaging is folded into the targets; every crop of a clip is trained towards its clip's probabilities.
/// </summary>
/// <param name="Probabilities">Row-major (rows × <paramref name="Classes"/>), each row summing to 1, at <paramref name="Temperature"/>.</param>
/// <param name="Fingerprint">Identifies the teacher file, so a run is resumed only with the teacher it began with.</param>
public sealed record TeacherTargets(float[] Probabilities, int Classes, double Temperature, string Fingerprint)
{
    /// <summary>Softens rows of probabilities p to p^(1/T), renormalised: softmax(z / T) for p = softmax(z), in place.</summary>
    public static void Soften(Span<float> probabilities, int classes, double temperature)
    {
        if (temperature == 1) return;
        double exponent = 1 / temperature;
        var row = new double[classes];
        for (int start = 0; start < probabilities.Length; start += classes)
        {
            var p = probabilities.Slice(start, classes);
            // In logs, from the row's largest, so tiny probabilities neither underflow nor overflow the power.
            double max = double.NegativeInfinity;
            for (int c = 0; c < classes; c++) max = Math.Max(max, Math.Log(Math.Max(p[c], 1e-30)));
            double sum = 0;
            for (int c = 0; c < classes; c++) sum += row[c] = Math.Exp((Math.Log(Math.Max(p[c], 1e-30)) - max) * exponent);
            for (int c = 0; c < classes; c++) p[c] = (float)(row[c] / sum);
        }
    }

    /// <summary>The targets of <paramref name="rows"/>, one row each, into <paramref name="destination"/>.</summary>
    public void Fill(ReadOnlySpan<int> rows, Span<float> destination)
    {
        for (int i = 0; i < rows.Length; i++)
            Probabilities.AsSpan(rows[i] * Classes, Classes).CopyTo(destination.Slice(i * Classes, Classes));
    }
}
