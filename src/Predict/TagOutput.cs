using FreesoundTagging.CommandLine;
using FreesoundTagging.Inference;
using Spectre.Console;
using FreesoundTagging.Jobs;

namespace FreesoundTagging.Predict;

/// <summary>
/// Runs predict's tagging mode and prints it: results on stdout (a table, TSV, CSV, JSON or JSON Lines), everything
/// else - progress, skipped files, files that could not be read - on stderr, so <c>predict ... --format json &gt; tags.json</c>
/// holds only the JSON. Every format but the table (which needs all its rows to size its columns) is written file by
/// file as the files are tagged.
/// </summary>
internal static class TagOutput
{
    public static TaggingResult Run(TaggingRequest request, TagFormat format, TagReportOptions options, CancellationToken cancel)
    {
        TagWriter? writer = null;
        // On a terminal the progress bar is drawn on stdout: lines go through the console that draws it, above the bar,
        // and the stderr lines (errors, warnings) wait until it is done, as written into it they would garble it.
        bool live = Terminal.StdoutIsInteractive;
        TextWriter output = live ? new LiveConsoleWriter() : Console.Out;
        var later = new List<Action>();
        void Say(Action line)
        {
            if (live) later.Add(line);
            else line();
        }
        var result = ProgressDisplay.Run("tag", report => TaggingJob.Run(request,
            new InlineProgress<PredictionProgress>(p => report(p.DecodedSeconds, p.TotalSeconds, AudioRate(p.Done, p.Total, p.DecodedSeconds, p.Elapsed, "files"))), cancel,
            started: start =>
            {
                // Said before the first file is read (on a terminal above the bar, through the console that draws it).
                string? note = request.TimelineSeconds is { } asked && start.TimelineWindowSeconds is { } used && Math.Abs(asked - used) > 0.006
                    ? $"timeline: windows of {used:0.###} s, --timeline {asked:0.###} rounded to whole feature frames (at least one)"
                    : request.TimelineSeconds is { } shorter && start.ModelCropSeconds is { } crop && shorter < crop - 0.006
                    ? $"timeline: windows of {shorter:0.###} s are shorter than the {crop:0.###} s crop the model was trained on; each is looped to the crop"
                    : null;
                if (note is not null)
                {
                    if (live) AnsiConsole.MarkupLine(Markup.Escape(note));
                    else Console.Error.WriteLine(note);
                }
                foreach (var s in start.Skipped) Say(() => CommandRunner.Warning($"skipped {s.Path}: {s.Reason}"));
                if (format != TagFormat.Table) writer = new TagWriter(output, format, options, start.Classes, timeline: request.TimelineSeconds is not null);
            },
            tagged: file =>
            {
                if (file.Error is not null) Say(() => CommandRunner.Error($"{file.Path}: {file.Error}"));
                foreach (string w in file.Warnings ?? []) Say(() => CommandRunner.Warning($"{file.Path}: {w}"));
                writer?.Write(file);
            }), unit: "audio-s");
        foreach (var line in later) line();
        if (writer is not null) writer.End();
        else WriteTable(result, options);
        return result;
    }

    /// <summary>"3/40 files, 95 audio-s/s": the bar and its time left count audio seconds (one long file moves it).</summary>
    internal static string AudioRate(int done, int total, double decodedSeconds, TimeSpan elapsed, string what) =>
        $"{done}/{total} {what}, {decodedSeconds / Math.Max(elapsed.TotalSeconds, 1e-9):0.0} audio-s/s";

    private static void WriteTable(TaggingResult result, TagReportOptions options)
    {
        bool timeline = result.Files.Any(f => f.Timeline is not null);
        int k = options.AllClasses ? 1 : Math.Min(options.TopK, result.Classes.Count);
        var layout = Layout(result, options, k, timeline, AnsiConsole.Profile.Width);
        var table = new Table().AddColumn(new TableColumn("file") { Width = layout?.FileWidth });
        if (layout is not { SecondsUnderFile: true }) table.AddColumn("seconds");
        if (timeline) table.AddColumns("window");
        if (options.AllClasses) table.AddColumn("probabilities");
        else for (int i = 1; i <= k; i++) table.AddColumn(new TableColumn(i switch { 1 => "1st", 2 => "2nd", 3 => "3rd", _ => $"{i}th" }) { Width = layout?.LabelWidth });
        string[] secondsCell(string text) => layout is { SecondsUnderFile: true } ? [] : [text];
        foreach (var file in result.Files)
        {
            if (file.Error is not null || file.Probabilities is null)
            {
                table.AddRow([Markup.Escape(file.Path), .. secondsCell(""), .. timeline ? new[] { "" } : [], $"[red]{Markup.Escape(file.Error ?? "not scored")}[/]", .. Enumerable.Repeat("", k - 1)]);
                continue;
            }
            string seconds = $"{file.Seconds:0.0}" + (file.Warnings is { Count: > 0 } w ? $"\n[yellow]{Markup.Escape(string.Join(", ", w.Select(x => x.Split(':')[0])))}[/]" : "");
            string path = Markup.Escape(file.Path) + (layout is { SecondsUnderFile: true } ? $"\n{seconds} s" : "");
            table.AddRow([path, .. secondsCell(seconds), .. timeline ? new[] { "whole file" } : [], .. Cells(result, file.Probabilities, options, k)]);
            foreach (var win in file.Timeline ?? [])
                table.AddRow(["", .. secondsCell(""), $"{win.StartSeconds:0.00}-{win.EndSeconds:0.00} s", .. Cells(result, win.Probabilities, options, k)]);
        }
        AnsiConsole.Write(table);
    }

    /// <summary>Column widths that keep every class name whole: each label column as wide as the longest name (a long
    /// label's probability goes to the next line), the path taking what is left and wrapping anywhere (a path is not a
    /// word). When even that does not fit, the seconds go under the path; null: the terminal is too narrow for this.</summary>
    internal static (int FileWidth, int LabelWidth, bool SecondsUnderFile)? Layout(TaggingResult result, TagReportOptions options, int k, bool timeline, int width)
    {
        if (options.AllClasses || k == 0) return null;
        int label = Math.Max(5, result.Classes.Max(c => c.Length));
        int window = timeline ? 11 : 0;
        // Each column costs its content, a space either side and one border line; the table one more border.
        int Content(int columns) => width - 1 - 3 * columns;
        int labelColumns = k, others = timeline ? 1 : 0;
        int file = Content(2 + labelColumns + others) - 7 - window - k * label;
        if (file >= 12) return (file, label, false);
        file = Content(1 + labelColumns + others) - window - k * label;
        return file >= 8 ? (file, label, true) : null;
    }

    private static IEnumerable<string> Cells(TaggingResult result, float[] probabilities, TagReportOptions options, int k)
    {
        var labels = TagReport.Labels(result.Classes, probabilities, options);
        if (options.AllClasses)
            return [Markup.Escape(string.Join("\n", labels.OrderByDescending(l => l.Probability).Select(l => $"{l.Label} {l.Probability:0.000}")))];
        return labels.Select(l => Markup.Escape($"{l.Label} {l.Probability:0.000}")).Concat(Enumerable.Repeat("", k - labels.Count));
    }

    /// <summary>Writes whole lines through Spectre's console, which keeps a live progress display below them.</summary>
    private sealed class LiveConsoleWriter : TextWriter
    {
        private readonly System.Text.StringBuilder _line = new();

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value)
        {
            if (value != '\n') _line.Append(value);
            else
            {
                AnsiConsole.WriteLine(_line.ToString());
                _line.Clear();
            }
        }
    }
}
