using System.Globalization;
using System.Text;
using System.Text.Json;
using FreesoundTagging.Metrics;
using FreesoundTagging.Jobs;

namespace FreesoundTagging.Inference;

/// <summary>Machine-readable forms of predict's tagging output.</summary>
public enum TagFormat
{
    /// <summary>A box table for a terminal (drawn by the command, not here).</summary>
    Table,

    /// <summary>Tab-separated, with a header.</summary>
    Tsv,

    /// <summary>RFC 4180 CSV, with a header.</summary>
    Csv,

    /// <summary>One JSON array, one object per file.</summary>
    Json,

    /// <summary>JSON Lines: one compact JSON object per file and line, written (and flushed) as each file is tagged.</summary>
    Jsonl,
}

/// <param name="TopK">Labels per file (or window), best first.</param>
/// <param name="AllClasses">Every class's probability, in the model's class order, instead of the top k.</param>
/// <param name="Threshold">Only labels whose probability is at least this are given (fewer than k, maybe none); null: all k.</param>
public sealed record TagReportOptions(int TopK = 3, bool AllClasses = false, double? Threshold = null);

/// <summary>
/// Writes a <see cref="TaggingResult"/> as TSV, CSV or JSON. Tables have one row per file (per window with a
/// timeline: columns start_s and end_s) and a header; label and probability are separate columns
/// (label_1, probability_1, ... or, with all classes, one probability column per class); a file that could not
/// be read has its reason in the error column. Probabilities are written with 6 decimals, seconds with 3.
/// </summary>
public static class TagReport
{
    public static TagFormat ParseFormat(string? name) => name switch
    {
        "table" => TagFormat.Table,
        "tsv" => TagFormat.Tsv,
        "csv" => TagFormat.Csv,
        "json" => TagFormat.Json,
        "jsonl" => TagFormat.Jsonl,
        _ => throw new InvalidInputException($"unknown output format '{name}': valid are table, tsv, csv, json, jsonl"),
    };

    /// <summary>(label, probability) pairs to show for one probability row: the top k, or every class in order.</summary>
    public static IReadOnlyList<(string Label, float Probability)> Labels(IReadOnlyList<string> classes, float[] probabilities, TagReportOptions options) =>
        options.AllClasses
            ? classes.Select((c, i) => (c, probabilities[i])).ToList()
            : RankingMetrics.TopK(probabilities, Math.Min(options.TopK, classes.Count)).Where(c => options.Threshold is not { } t || probabilities[c] >= t)
                .Select(c => (classes[c], probabilities[c])).ToList();

    /// <summary>The whole result at once (what <see cref="TagWriter"/> writes file by file).</summary>
    public static void Write(TextWriter writer, TaggingResult result, TagFormat format, TagReportOptions options)
    {
        var tags = new TagWriter(writer, format, options, result.Classes, timeline: result.Files.Any(f => f.Timeline is not null));
        foreach (var file in result.Files) tags.Write(file);
        tags.End();
    }
}

/// <summary>
/// Writes tagging results file by file, as they come: the header (tsv/csv) or the array's opening (json) first, each
/// file's rows or object as soon as it is tagged, flushed, so a pipeline sees every file when it is done. JSON is
/// written exactly as one indented array; JSON Lines has one compact object per line.
/// </summary>
public sealed class TagWriter
{
    private readonly TextWriter _writer;
    private readonly TagFormat _format;
    private readonly TagReportOptions _options;
    private readonly IReadOnlyList<string> _classes;
    private readonly bool _timeline;
    private int _files;

    /// <param name="timeline">The rows have start_s and end_s columns (a timeline was asked for).</param>
    public TagWriter(TextWriter writer, TagFormat format, TagReportOptions options, IReadOnlyList<string> classes, bool timeline)
    {
        if (format == TagFormat.Table) throw new ArgumentOutOfRangeException(nameof(format), format, "the table is drawn by the command");
        (_writer, _format, _options, _classes, _timeline) = (writer, format, options, classes, timeline);
        if (format is TagFormat.Tsv or TagFormat.Csv) WriteHeader(format == TagFormat.Csv ? ',' : '\t');
    }

    public void Write(FileTags file)
    {
        switch (_format)
        {
            case TagFormat.Json:
                // The array's elements as an indented writer puts them: two spaces deeper, comma-separated.
                _writer.Write(_files == 0 ? "[\n" : ",\n");
                _writer.Write("  " + Json(file, indented: true).Replace("\n", "\n  "));
                break;
            case TagFormat.Jsonl:
                _writer.WriteLine(Json(file, indented: false));
                break;
            default:
                WriteRows(file, _format == TagFormat.Csv ? ',' : '\t');
                break;
        }
        _files++;
        _writer.Flush();
    }

    /// <summary>Closes the JSON array (or writes an empty one).</summary>
    public void End()
    {
        if (_format == TagFormat.Json) _writer.WriteLine(_files == 0 ? "[]" : "\n]");
        _writer.Flush();
    }

    private static string Seconds(double s) => s.ToString("0.000", CultureInfo.InvariantCulture);

    private static string Probability(float p) => p.ToString("0.000000", CultureInfo.InvariantCulture);

    private int LabelColumns => Math.Min(_options.TopK, _classes.Count);

    private void WriteHeader(char separator)
    {
        int k = LabelColumns;
        var header = new List<string> { "path", "duration_s" };
        if (_timeline) header.AddRange(["start_s", "end_s"]);
        if (_options.AllClasses) header.AddRange(_classes);
        else for (int i = 1; i <= k; i++) header.AddRange([$"label_{i}", $"probability_{i}"]);
        header.Add("error");
        header.Add("warning");
        _writer.WriteLine(Row(header, separator));
    }

    private void WriteRows(FileTags file, char separator)
    {
        int k = LabelColumns;
        var rows = file.Error is not null || file.Probabilities is null
            ? [(Span: (double[]?)null, Probabilities: (float[]?)null)]
            : _timeline && file.Timeline is { } windows
                ? windows.Select(w => (Span: (double[]?)[w.StartSeconds, w.EndSeconds], Probabilities: (float[]?)w.Probabilities)).ToList()
                : [(Span: (double[]?)null, Probabilities: file.Probabilities)];
        string warning = string.Join("; ", file.Warnings ?? []);
        foreach (var (span, probabilities) in rows)
        {
            var cells = new List<string> { file.Path, file.Error is null ? Seconds(file.Seconds) : "" };
            if (_timeline) cells.AddRange(span is null ? ["", ""] : [Seconds(span[0]), Seconds(span[1])]);
            if (probabilities is null) cells.AddRange(Enumerable.Repeat("", _options.AllClasses ? _classes.Count : 2 * k));
            else if (_options.AllClasses) cells.AddRange(probabilities.Select(Probability));
            else
            {
                var labels = TagReport.Labels(_classes, probabilities, _options);
                foreach (var (label, p) in labels) cells.AddRange([label, Probability(p)]);
                cells.AddRange(Enumerable.Repeat("", 2 * (k - labels.Count)));
            }
            cells.Add(file.Error ?? "");
            cells.Add(warning);
            _writer.WriteLine(Row(cells, separator));
        }
    }

    private static string Row(IEnumerable<string> cells, char separator) =>
        string.Join(separator, cells.Select(c => separator == ',' ? CsvField(c) : TsvField(c)));

    // TSV has no quoting: a tab or line break inside a field (a strange file name) becomes a space.
    private static string TsvField(string value) => value.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');

    private static string CsvField(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";

    private string Json(FileTags file, bool indented)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = indented }))
        {
            json.WriteStartObject();
            json.WriteString("path", file.Path);
            if (file.Error is not null || file.Probabilities is null)
            {
                json.WriteString("error", file.Error ?? "not scored");
                json.WriteEndObject();
            }
            else
            {
                json.WriteNumber("duration_s", Math.Round(file.Seconds, 3));
                WriteLabels(json, file.Probabilities);
                if (file.Timeline is { } windows)
                {
                    json.WriteStartArray("timeline");
                    foreach (var w in windows)
                    {
                        json.WriteStartObject();
                        json.WriteNumber("start_s", Math.Round(w.StartSeconds, 3));
                        json.WriteNumber("end_s", Math.Round(w.EndSeconds, 3));
                        WriteLabels(json, w.Probabilities);
                        json.WriteEndObject();
                    }
                    json.WriteEndArray();
                }
                // Only when there is something to say, so a clean file's object is as it always was.
                if (file.Warnings is { Count: > 0 } warnings)
                {
                    json.WriteStartArray("warnings");
                    foreach (string w in warnings) json.WriteStringValue(w);
                    json.WriteEndArray();
                }
                json.WriteEndObject();
            }
        }
        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    // "labels": best first; with all classes "probabilities": an object keyed by class, in class order.
    private void WriteLabels(Utf8JsonWriter json, float[] probabilities)
    {
        if (_options.AllClasses)
        {
            json.WriteStartObject("probabilities");
            for (int c = 0; c < _classes.Count; c++) json.WriteNumber(_classes[c], Math.Round(probabilities[c], 6));
            json.WriteEndObject();
            return;
        }
        json.WriteStartArray("labels");
        foreach (var (label, p) in TagReport.Labels(_classes, probabilities, _options))
        {
            json.WriteStartObject();
            json.WriteString("label", label);
            json.WriteNumber("probability", Math.Round(p, 6));
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }
}
