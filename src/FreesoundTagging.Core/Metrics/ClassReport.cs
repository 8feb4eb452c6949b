using FreesoundTagging.Metrics;

namespace FreesoundTagging.Metrics;

/// <summary>How one class fared on held-out clips.</summary>
/// <param name="Support">Held-out clips whose true label is this class.</param>
/// <param name="Top1Accuracy">Share of those clips whose best prediction is this class (recall at 1); NaN without support.</param>
/// <param name="Map3">Mean AP@3 over those clips (1, 1/2, 1/3 or 0 each): the class's share of the competition metric; NaN without support.</param>
/// <param name="AveragePrecision">Average precision of ranking every held-out clip by this class's score (as
/// scikit-learn's average_precision_score, ties broken by clip order); NaN without support.</param>
/// <param name="MostConfusedWith">The wrong class its clips are most often given at top-1 (lowest index of equals), or null.</param>
public sealed record ClassMetric(string Name, int Support, double Top1Accuracy, double Map3, double AveragePrecision, string? MostConfusedWith, int ConfusedCount);

/// <summary>Per-class results and the confusion matrix of held-out predictions (one row of scores per clip).</summary>
/// <param name="Confusion">[true class, top-1 predicted class] clip counts.</param>
public sealed record ClassReport(IReadOnlyList<ClassMetric> Classes, int[,] Confusion, double Map3, double Accuracy, int Clips)
{
    /// <param name="scores">Row-major, truth.Count × classes.Count.</param>
    public static ClassReport Compute(ReadOnlySpan<float> scores, IReadOnlyList<string> classes, IReadOnlyList<int> truth)
    {
        int n = truth.Count, k = classes.Count;
        if (scores.Length != n * k) throw new ArgumentException($"expected {n} x {k} scores, got {scores.Length}");
        var confusion = new int[k, k];
        var ap3Sums = new double[k];
        var support = new int[k];
        for (int i = 0; i < n; i++)
        {
            var row = scores.Slice(i * k, k);
            int[] top3 = RankingMetrics.TopK(row, 3);
            confusion[truth[i], top3[0]]++;
            ap3Sums[truth[i]] += RankingMetrics.AveragePrecisionAt3(top3, truth[i]);
            support[truth[i]]++;
        }
        var metrics = new List<ClassMetric>(k);
        for (int c = 0; c < k; c++)
        {
            int confusedWith = -1;
            for (int p = 0; p < k; p++)
                if (p != c && confusion[c, p] > 0 && (confusedWith < 0 || confusion[c, p] > confusion[c, confusedWith])) confusedWith = p;
            double top1 = support[c] > 0 ? confusion[c, c] / (double)support[c] : double.NaN;
            double map3 = support[c] > 0 ? ap3Sums[c] / support[c] : double.NaN;
            metrics.Add(new ClassMetric(classes[c], support[c], top1, map3, AveragePrecision(scores, k, c, truth),
                confusedWith >= 0 ? classes[confusedWith] : null, confusedWith >= 0 ? confusion[c, confusedWith] : 0));
        }
        return new ClassReport(metrics, confusion, RankingMetrics.MeanAveragePrecisionAt3(scores, k, truth), RankingMetrics.Accuracy(scores, k, truth), n);
    }

    /// <summary>Σ over the class's clips of precision at their rank, divided by the class's support.</summary>
    private static double AveragePrecision(ReadOnlySpan<float> scores, int k, int c, IReadOnlyList<int> truth)
    {
        int n = truth.Count;
        var order = new int[n];
        var keys = new float[n];
        for (int i = 0; i < n; i++)
        {
            order[i] = i;
            keys[i] = scores[i * k + c];
        }
        // Stable descending order: equal scores keep clip order.
        Array.Sort(order, (a, b) => keys[b].CompareTo(keys[a]) is var d && d != 0 ? d : a.CompareTo(b));
        int hits = 0;
        double sum = 0;
        for (int r = 0; r < n; r++)
        {
            if (truth[order[r]] != c) continue;
            hits++;
            sum += hits / (double)(r + 1);
        }
        return hits > 0 ? sum / hits : double.NaN;
    }
}
