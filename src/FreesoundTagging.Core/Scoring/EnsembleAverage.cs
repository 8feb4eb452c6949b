namespace FreesoundTagging.Scoring;

/// <summary>Combines the class probabilities several networks give one clip (<see cref="EnsembleMean"/>).</summary>
public static class EnsembleAverage
{
    /// <summary>One probability row from each model's row for the same clip (equal lengths).</summary>
    public static float[] Combine(IReadOnlyList<float[]> rows, EnsembleMean mean)
    {
        if (rows.Count == 1) return rows[0];
        int classes = rows[0].Length;
        var result = new double[classes];
        foreach (var row in rows)
        {
            if (row.Length != classes) throw new ArgumentException("every model must score the same classes", nameof(rows));
            // A floor keeps one model's hard 0 from vetoing a class outright (log 0 = -inf).
            for (int c = 0; c < classes; c++) result[c] += mean == EnsembleMean.Geometric ? Math.Log(Math.Max(row[c], 1e-12)) : row[c];
        }
        if (mean == EnsembleMean.Arithmetic) return result.Select(v => (float)(v / rows.Count)).ToArray();
        double max = result.Max();
        var exp = result.Select(v => Math.Exp((v - max) / rows.Count)).ToArray();
        double sum = exp.Sum();
        return exp.Select(v => (float)(v / sum)).ToArray();
    }
}
