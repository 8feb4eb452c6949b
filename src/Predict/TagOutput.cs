using FreesoundTagging.CommandLine;
using FreesoundTagging.Inference;
using Spectre.Console;

namespace FreesoundTagging.Predict;

/// <summary>
/// Runs predict's tagging mode and prints it: results on stdout (a table, TSV, CSV or JSON), everything else -
/// progress, skipped files, files that could not be read - on stderr, so <c>predict ... --format json &gt; tags.json</c>
/// holds only the JSON.
/// </summary>
internal static class TagOutput
{
    public static TaggingResult Run(TaggingRequest request, TagFormat format, TagReportOptions options, CancellationToken cancel)
    {
        var result = ProgressDisplay.Run("tag", report => TaggingJob.Run(request,
            new InlineProgress<PredictionProgress>(p => report(p.Done, p.Total, $"{p.Done / Math.Max(p.Elapsed.TotalSeconds, 1e-9):0.0} files/s")), cancel));
        if (request.TimelineSeconds is { } asked && result.TimelineWindowSeconds is { } used && Math.Abs(asked - used) > 0.006)
            Console.Error.WriteLine(result.TimelineWindowIsCrop
                ? $"timeline: windows of {used:0.###} s, the crop the model was trained on (--timeline {asked:0.###} applies to models trained on whole clips)"
                : $"timeline: windows of {used:0.###} s, --timeline {asked:0.###} rounded to whole feature frames (at least one)");
        foreach (var s in result.Skipped) CommandRunner.Warning($"skipped {s.Path}: {s.Reason}");
        foreach (var f in result.Files.Where(f => f.Error is not null)) CommandRunner.Error($"{f.Path}: {f.Error}");
        if (format == TagFormat.Table) WriteTable(result, options);
        else
        {
            TagReport.Write(Console.Out, result, format, options);
            Console.Out.Flush();
        }
        return result;
    }

    private static void WriteTable(TaggingResult result, TagReportOptions options)
    {
        bool timeline = result.Files.Any(f => f.Timeline is not null);
        int k = options.AllClasses ? 1 : Math.Min(options.TopK, result.Classes.Count);
        var table = new Table().AddColumns("file", "seconds");
        if (timeline) table.AddColumns("window");
        if (options.AllClasses) table.AddColumn("probabilities");
        else for (int i = 1; i <= k; i++) table.AddColumn(i switch { 1 => "1st", 2 => "2nd", 3 => "3rd", _ => $"{i}th" });
        foreach (var file in result.Files)
        {
            if (file.Error is not null || file.Probabilities is null)
            {
                table.AddRow([Markup.Escape(file.Path), "", .. timeline ? new[] { "" } : [], $"[red]{Markup.Escape(file.Error ?? "not scored")}[/]", .. Enumerable.Repeat("", k - 1)]);
                continue;
            }
            table.AddRow([Markup.Escape(file.Path), $"{file.Seconds:0.0}", .. timeline ? new[] { "whole file" } : [], .. Cells(result, file.Probabilities, options)]);
            foreach (var w in file.Timeline ?? [])
                table.AddRow(["", "", $"{w.StartSeconds:0.00}-{w.EndSeconds:0.00} s", .. Cells(result, w.Probabilities, options)]);
        }
        AnsiConsole.Write(table);
    }

    private static IEnumerable<string> Cells(TaggingResult result, float[] probabilities, TagReportOptions options)
    {
        var labels = TagReport.Labels(result.Classes, probabilities, options);
        if (options.AllClasses)
            return [Markup.Escape(string.Join("\n", labels.OrderByDescending(l => l.Probability).Select(l => $"{l.Label} {l.Probability:0.000}")))];
        return labels.Select(l => Markup.Escape($"{l.Label} {l.Probability:0.000}"));
    }
}
