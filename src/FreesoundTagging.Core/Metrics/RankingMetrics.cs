namespace FreesoundTagging.Metrics;

/// <summary>The competition's metric and friends, over class-probability (or score) rows.</summary>
public static class RankingMetrics
{
    /// <summary>
    /// The <paramref name="k"/> best classes of a score row, best first; ties go to the lower class index so the
    /// order is deterministic.
    /// </summary>
    public static int[] TopK(ReadOnlySpan<float> scores, int k)
    {
        k = Math.Min(k, scores.Length);
        var best = new int[k];
        int filled = 0;
        for (int c = 0; c < scores.Length; c++)
        {
            int pos = filled;
            while (pos > 0 && scores[c] > scores[best[pos - 1]]) pos--;
            if (pos >= k) continue;
            int end = Math.Min(filled, k - 1);
            for (int j = end; j > pos; j--) best[j] = best[j - 1];
            best[pos] = c;
            if (filled < k) filled++;
        }
        return best;
    }

    /// <summary>1/rank of the true class among the top 3 predictions, 0 if it is not there.</summary>
    public static double AveragePrecisionAt3(IReadOnlyList<int> top3, int truth)
    {
        for (int i = 0; i < Math.Min(3, top3.Count); i++)
            if (top3[i] == truth) return 1.0 / (i + 1);
        return 0;
    }

    /// <summary>MAP@3 over rows of scores (row-major, <paramref name="classes"/> per row).</summary>
    public static double MeanAveragePrecisionAt3(ReadOnlySpan<float> scores, int classes, IReadOnlyList<int> truth)
    {
        if (truth.Count == 0) return 0;
        double sum = 0;
        for (int i = 0; i < truth.Count; i++) sum += AveragePrecisionAt3(TopK(scores.Slice(i * classes, classes), 3), truth[i]);
        return sum / truth.Count;
    }

    /// <summary>Share of rows whose best class is the true one.</summary>
    public static double Accuracy(ReadOnlySpan<float> scores, int classes, IReadOnlyList<int> truth)
    {
        if (truth.Count == 0) return 0;
        int hits = 0;
        for (int i = 0; i < truth.Count; i++) if (TopK(scores.Slice(i * classes, classes), 1)[0] == truth[i]) hits++;
        return hits / (double)truth.Count;
    }
}
