using FreesoundTagging.Recipes;
using FreesoundTagging.Models;
using FreesoundTagging.Training;
using ScottPlot;

namespace FreesoundTagging.Reporting;

/// <summary>
/// Training curves beside the model, in two panels over whole-number epochs: loss above (with the learning rate
/// on its right axis when the schedule changes it), accuracy and MAP@3 below, and the epoch the model file keeps
/// marked in both.
/// </summary>
public static class TrainingCurvesPlot
{
    public static void Save(string path, TrainingHistory history, string title)
    {
        var epochs = history.Epochs;
        double[] x = epochs.Select(e => (double)e.Epoch).ToArray();
        bool hasMap = epochs.Any(e => e.MeanAveragePrecisionAt3 is not null);

        var loss = new Plot();
        loss.Title(title);
        loss.Axes.Left.Label.Text = "loss";
        AddLine(loss, x, epochs.Select(e => (double?)e.TrainLoss), "train loss", Colors.Blue);
        AddLine(loss, x, epochs.Select(e => e.ValidationLoss), "validation loss", Colors.OrangeRed);
        if (LearningRates(history) is { } rates)
        {
            var line = AddLine(loss, x, rates.Select(r => (double?)r), "learning rate (right)", Colors.Gray, LinePattern.Dotted);
            line!.Axes.YAxis = loss.Axes.Right;
            loss.Axes.Right.Label.Text = "learning rate";
            loss.Axes.Right.Min = 0;
            loss.Axes.Right.Max = rates.Max() * 1.05;
        }
        loss.ShowLegend(Alignment.UpperRight);

        var scores = new Plot();
        scores.Axes.Left.Label.Text = hasMap ? "accuracy, MAP@3" : "accuracy";
        scores.Axes.Bottom.Label.Text = "epoch";
        AddLine(scores, x, epochs.Select(e => (double?)e.TrainAccuracy), "train accuracy", Colors.Blue);
        AddLine(scores, x, epochs.Select(e => e.ValidationAccuracy), "validation accuracy", Colors.OrangeRed);
        AddLine(scores, x, epochs.Select(e => e.MeanAveragePrecisionAt3), "validation MAP@3", Colors.Green);
        scores.ShowLegend(Alignment.LowerRight);

        if (history.KeptEpoch is { } kept && epochs.Count > 0)
        {
            var record = history.Kept!;
            string text = record.MeanAveragePrecisionAt3 is { } map ? $"kept: epoch {kept} (MAP@3 {map:0.000})" : $"kept: epoch {kept}";
            foreach (var plot in new[] { loss, scores })
            {
                var mark = plot.Add.VerticalLine(kept, 1.5f, Colors.Black.WithAlpha(0.6), LinePattern.Dashed);
                mark.LegendText = plot == scores ? text : "";
            }
        }

        int last = epochs.Count == 0 ? 1 : epochs[^1].Epoch;
        double[] ticks = EpochTicks(last);
        foreach (var plot in new[] { loss, scores })
        {
            plot.Axes.Bottom.SetTicks(ticks, ticks.Select(t => t.ToString("0")).ToArray());
            plot.Axes.SetLimitsX(0.5, last + 0.5);
        }
        loss.Axes.SetLimitsY(0, Math.Max(0.1, epochs.SelectMany(e => new[] { e.TrainLoss, e.ValidationLoss ?? 0 }).DefaultIfEmpty(1).Max() * 1.08));
        scores.Axes.SetLimitsY(0, 1.02);

        // Fixed margins, so the two panels' epoch axes line up whether or not the top one has a right axis.
        loss.Layout.Fixed(new PixelPadding(70, 80, 30, 40));
        scores.Layout.Fixed(new PixelPadding(70, 80, 50, 15));
        var multiplot = new Multiplot();
        multiplot.Reset(loss);
        multiplot.AddPlot(scores);
        PlotFiles.Save(path, temp => multiplot.SavePng(temp, 900, 720));
    }

    /// <summary>Whole epochs, about 10 of them: every epoch, every odd one, or 1 and every 5, 10, 25, 50… epochs.</summary>
    internal static double[] EpochTicks(int lastEpoch)
    {
        if (lastEpoch <= 10) return Enumerable.Range(1, Math.Max(lastEpoch, 1)).Select(t => (double)t).ToArray();
        if (lastEpoch <= 20) return Enumerable.Range(0, (lastEpoch + 1) / 2).Select(i => 1.0 + 2 * i).ToArray();
        int step = 5;
        for (int i = 0; lastEpoch / step > 10; i++) step = i % 2 == 0 ? step * 2 : step * 5 / 2;
        return new[] { 1.0 }.Concat(Enumerable.Range(1, lastEpoch / step).Select(k => (double)(k * step))).ToArray();
    }

    /// <summary>The rate at the start of each epoch, or null when it never changes (or the options are unknown).</summary>
    private static double[]? LearningRates(TrainingHistory history)
    {
        if (history.Options is not { } o || o.Schedule == LearningRateSchedule.Constant) return null;
        return history.Epochs.Select(e => o.Schedule.RateAt(o.LearningRate, e.Epoch - 1, o.Epochs)).ToArray();
    }

    private static ScottPlot.Plottables.Scatter? AddLine(Plot plot, double[] x, IEnumerable<double?> values, string label, Color color, LinePattern? pattern = null)
    {
        double?[] y = values.ToArray();
        if (y.All(v => v is null)) return null;
        var line = plot.Add.ScatterLine(x, y.Select(v => v ?? double.NaN).ToArray(), color);
        line.LegendText = label;
        line.LineWidth = 2;
        if (x.Length <= 40) line.MarkerSize = 4;
        if (pattern is { } p) line.LinePattern = p;
        return line;
    }
}
