using System.Globalization;
using System.Text;
using FreesoundTagging.IO;
using FreesoundTagging.Training;
using ScottPlot;
using FreesoundTagging.Metrics;

namespace FreesoundTagging.Reporting;

/// <summary>Where a validated run's per-class results are written, next to the model.</summary>
public sealed record ClassReportPaths(string TablePath, string BarChartPath, string ConfusionPath)
{
    /// <summary>model.fstmodel → model.fstmodel.perclass.csv, .perclass.png, .confusion.png (as .curves.png).</summary>
    public static ClassReportPaths Beside(string modelPath) => new(modelPath + ".perclass.csv", modelPath + ".perclass.png", modelPath + ".confusion.png");
}

/// <summary>Writes a <see cref="ClassReport"/> as a CSV table, a per-class bar chart and a confusion-matrix picture.</summary>
public static class ClassReportFiles
{
    public static void Write(ClassReportPaths paths, ClassReport report, string title)
    {
        AtomicFile.WriteAllText(paths.TablePath, Table(report));
        PlotFiles.SavePng(BarChart(report, title), paths.BarChartPath, 1000, 140 + 22 * report.Classes.Count);
        int side = Math.Max(20 * report.Classes.Count, 560);
        // Room for the class names: beside the rows with their clip counts, below the columns rotated.
        int rowLabels = 8 * report.Classes.Max(c => c.Name.Length + 5) + 50;
        int columnLabels = 8 * report.Classes.Max(c => c.Name.Length) + 20;
        var confusion = ConfusionMatrix(report, title);
        confusion.Layout.Fixed(new PixelPadding(rowLabels, 20, columnLabels, 60));
        PlotFiles.SavePng(confusion, paths.ConfusionPath, rowLabels + side + 20, columnLabels + side + 60);
    }

    /// <summary>One row per class in model order; empty cells where a class had no held-out clips.</summary>
    public static string Table(ClassReport report)
    {
        var csv = new StringBuilder("class,support,top1_accuracy,map3,average_precision,most_confused_with,confused_count\n");
        foreach (var c in report.Classes)
            csv.Append(Quote(c.Name)).Append(',').Append(c.Support).Append(',').Append(Number(c.Top1Accuracy)).Append(',').Append(Number(c.Map3)).Append(',')
                .Append(Number(c.AveragePrecision)).Append(',').Append(c.MostConfusedWith is { } m ? Quote(m) : "").Append(',').Append(c.ConfusedCount).Append('\n');
        return csv.ToString();
    }

    private static string Number(double v) => double.IsNaN(v) ? "" : v.ToString("0.0000", CultureInfo.InvariantCulture);

    private static string Quote(string s) => s.IndexOfAny([',', '"', '\n']) >= 0 ? $"\"{s.Replace("\"", "\"\"")}\"" : s;

    /// <summary>Horizontal bars per class, worst MAP@3 at the top: MAP@3 and top-1 accuracy side by side.</summary>
    private static Plot BarChart(ClassReport report, string title)
    {
        var plot = new Plot();
        plot.Title($"per-class results: {title}");
        var order = report.Classes.Select((c, i) => (c, i)).OrderByDescending(x => double.IsNaN(x.c.Map3) ? -1 : x.c.Map3).ThenBy(x => x.i).ToList();
        var map3Bars = new List<ScottPlot.Bar>();
        var top1Bars = new List<ScottPlot.Bar>();
        for (int j = 0; j < order.Count; j++)
        {
            var c = order[j].c;
            map3Bars.Add(new ScottPlot.Bar { Position = j + 0.2, Value = double.IsNaN(c.Map3) ? 0 : c.Map3, Size = 0.4, FillColor = Colors.SteelBlue, LineWidth = 0 });
            top1Bars.Add(new ScottPlot.Bar { Position = j - 0.2, Value = double.IsNaN(c.Top1Accuracy) ? 0 : c.Top1Accuracy, Size = 0.4, FillColor = Colors.Orange, LineWidth = 0 });
        }
        var a = plot.Add.Bars(map3Bars);
        a.Horizontal = true;
        a.LegendText = "MAP@3";
        var b = plot.Add.Bars(top1Bars);
        b.Horizontal = true;
        b.LegendText = "top-1 accuracy";
        plot.Axes.Left.SetTicks(Enumerable.Range(0, order.Count).Select(j => (double)j).ToArray(),
            order.Select(x => $"{x.c.Name} ({x.c.Support})").ToArray());
        plot.Axes.Left.Label.Text = "class (held-out clips)";
        plot.Axes.Bottom.Label.Text = $"overall: MAP@3 {report.Map3:0.000}, top-1 accuracy {report.Accuracy:0.000} on {report.Clips} clips";
        plot.Axes.SetLimits(0, 1.0, -0.7, order.Count - 0.3);
        var tenths = Enumerable.Range(0, 11).Select(i => i / 10.0).ToArray();
        plot.Axes.Bottom.SetTicks(tenths, tenths.Select(t => t.ToString("0.0", CultureInfo.InvariantCulture)).ToArray());
        plot.Grid.YAxisStyle.IsVisible = false;
        plot.ShowLegend(Alignment.UpperRight);
        return plot;
    }

    /// <summary>Rows: true class; columns: top-1 prediction. Shade = share of the row's clips, number = clip count.</summary>
    private static Plot ConfusionMatrix(ClassReport report, string title)
    {
        int k = report.Classes.Count;
        var plot = new Plot();
        plot.Title($"confusion: {title}\nrows: true class (clips), columns: top-1 prediction");
        for (int t = 0; t < k; t++)
        {
            int support = report.Classes[t].Support;
            for (int p = 0; p < k; p++)
            {
                int count = report.Confusion[t, p];
                if (count == 0) continue;
                double share = count / (double)Math.Max(support, 1);
                // Row t drawn at y = k-1-t so the first class is on top, reading like the table.
                double y = k - 1 - t;
                var cell = plot.Add.Rectangle(p - 0.5, p + 0.5, y - 0.5, y + 0.5);
                cell.FillColor = Colors.White.MixedWith(t == p ? Colors.DarkGreen : Colors.DarkRed, 0.15 + 0.85 * share);
                cell.LineWidth = 0;
                var label = plot.Add.Text(count.ToString(CultureInfo.InvariantCulture), p, y);
                label.LabelFontSize = k > 20 ? 10 : 14;
                label.LabelAlignment = Alignment.MiddleCenter;
                label.LabelFontColor = share > 0.55 ? Colors.White : Colors.Black;
            }
        }
        var positions = Enumerable.Range(0, k).Select(i => (double)i).ToArray();
        plot.Axes.Bottom.SetTicks(positions, report.Classes.Select(c => c.Name).ToArray());
        plot.Axes.Bottom.TickLabelStyle.Rotation = 90;
        plot.Axes.Bottom.TickLabelStyle.Alignment = Alignment.MiddleLeft;
        plot.Axes.Left.SetTicks(positions.Select(p => k - 1 - p).ToArray(), report.Classes.Select(c => $"{c.Name} ({c.Support})").ToArray());
        plot.Axes.SetLimits(-0.5, k - 0.5, -0.5, k - 0.5);
        plot.Grid.IsVisible = false;
        return plot;
    }
}

/// <summary>PNG writing shared by the reports: under a temporary name (which keeps ".png", as ScottPlot picks the
/// format from the extension), then renamed into place.</summary>
internal static class PlotFiles
{
    public static void SavePng(Plot plot, string path, int width, int height) => Save(path, temp => plot.SavePng(temp, width, height));

    public static void Save(string path, Action<string> save)
    {
        string full = Path.GetFullPath(path);
        string temp = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileNameWithoutExtension(full)}.{Environment.ProcessId}.tmp.png");
        // Registered like AtomicFile's, so a second Ctrl+C deletes it too.
        PendingTempFiles.Add(temp);
        try
        {
            save(temp);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            File.Delete(temp);
            PendingTempFiles.Remove(temp);
        }
    }
}
