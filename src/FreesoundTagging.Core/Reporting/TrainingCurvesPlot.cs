using FreesoundTagging.Models;
using ScottPlot;

namespace FreesoundTagging.Reporting;

/// <summary>Draws loss (left axis) and accuracy / MAP@3 (right axis) per epoch into a PNG beside the model.</summary>
public static class TrainingCurvesPlot
{
    public static void Save(string path, IReadOnlyList<EpochRecord> epochs, string title)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.Axes.Bottom.Label.Text = "epoch";
        plot.Axes.Left.Label.Text = "loss";
        plot.Axes.Right.Label.Text = "accuracy / MAP@3";
        double[] x = epochs.Select(e => (double)e.Epoch).ToArray();

        AddLine(plot, x, epochs.Select(e => (double?)e.TrainLoss), "train loss", Colors.Blue, right: false);
        AddLine(plot, x, epochs.Select(e => e.ValidationLoss), "validation loss", Colors.Orange, right: false);
        AddLine(plot, x, epochs.Select(e => (double?)e.TrainAccuracy), "train accuracy", Colors.Blue.WithAlpha(0.5), right: true, dashed: true);
        AddLine(plot, x, epochs.Select(e => e.ValidationAccuracy), "validation accuracy", Colors.Orange.WithAlpha(0.6), right: true, dashed: true);
        AddLine(plot, x, epochs.Select(e => e.MeanAveragePrecisionAt3), "validation MAP@3", Colors.Green, right: true, dashed: true);
        plot.Axes.Right.Min = 0;
        plot.Axes.Right.Max = 1;
        plot.ShowLegend(Alignment.UpperRight);

        // ScottPlot picks the format from the extension, so the temporary name keeps ".png".
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileNameWithoutExtension(full)}.{Environment.ProcessId}.tmp.png");
        // Registered like AtomicFile's, so a second Ctrl+C deletes it too.
        IO.PendingTempFiles.Add(temp);
        try
        {
            plot.SavePng(temp, 900, 520);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
            IO.PendingTempFiles.Remove(temp);
        }
    }

    private static void AddLine(Plot plot, double[] x, IEnumerable<double?> values, string label, Color color, bool right, bool dashed = false)
    {
        double?[] y = values.ToArray();
        if (y.All(v => v is null)) return;
        var line = plot.Add.ScatterLine(x, y.Select(v => v ?? double.NaN).ToArray(), color);
        line.LegendText = label;
        line.LineWidth = 2;
        if (dashed) line.LinePattern = LinePattern.Dashed;
        line.Axes.YAxis = right ? plot.Axes.Right : plot.Axes.Left;
    }
}
