using System.Globalization;
using System.Text;
using System.Text.Json;
using FreesoundTagging.Training;

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
}

/// <param name="TopK">Labels per file (or window), best first.</param>
/// <param name="AllClasses">Every class's probability, in the model's class order, instead of the top k.</param>
public sealed record TagReportOptions(int TopK = 3, bool AllClasses = false);

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
        _ => throw new InvalidInputException($"unknown output format '{name}': valid are table, tsv, csv, json"),
    };

    /// <summary>(label, probability) pairs to show for one probability row: the top k, or every class in order.</summary>
    public static IReadOnlyList<(string Label, float Probability)> Labels(IReadOnlyList<string> classes, float[] probabilities, TagReportOptions options) =>
        options.AllClasses
            ? classes.Select((c, i) => (c, probabilities[i])).ToList()
            : RankingMetrics.TopK(probabilities, Math.Min(options.TopK, classes.Count)).Select(c => (classes[c], probabilities[c])).ToList();

    public static void Write(TextWriter writer, TaggingResult result, TagFormat format, TagReportOptions options)
    {
        switch (format)
        {
            case TagFormat.Json: WriteJson(writer, result, options); break;
            case TagFormat.Tsv: WriteDelimited(writer, result, options, '\t'); break;
            case TagFormat.Csv: WriteDelimited(writer, result, options, ','); break;
            default: throw new ArgumentOutOfRangeException(nameof(format), format, "the table is drawn by the command");
        }
    }

    private static string Seconds(double s) => s.ToString("0.000", CultureInfo.InvariantCulture);

    private static string Probability(float p) => p.ToString("0.000000", CultureInfo.InvariantCulture);

    private static void WriteDelimited(TextWriter writer, TaggingResult result, TagReportOptions options, char separator)
    {
        bool timeline = result.Files.Any(f => f.Timeline is not null);
        int k = Math.Min(options.TopK, result.Classes.Count);
        var header = new List<string> { "path", "duration_s" };
        if (timeline) header.AddRange(["start_s", "end_s"]);
        if (options.AllClasses) header.AddRange(result.Classes);
        else for (int i = 1; i <= k; i++) header.AddRange([$"label_{i}", $"probability_{i}"]);
        header.Add("error");
        writer.WriteLine(Row(header, separator));

        foreach (var file in result.Files)
        {
            var rows = file.Error is not null || file.Probabilities is null
                ? [(Span: (double[]?)null, Probabilities: (float[]?)null)]
                : timeline && file.Timeline is { } windows
                    ? windows.Select(w => (Span: (double[]?)[w.StartSeconds, w.EndSeconds], Probabilities: (float[]?)w.Probabilities)).ToList()
                    : [(Span: (double[]?)null, Probabilities: file.Probabilities)];
            foreach (var (span, probabilities) in rows)
            {
                var cells = new List<string> { file.Path, file.Error is null ? Seconds(file.Seconds) : "" };
                if (timeline) cells.AddRange(span is null ? ["", ""] : [Seconds(span[0]), Seconds(span[1])]);
                int width = options.AllClasses ? result.Classes.Count : 2 * k;
                if (probabilities is null) cells.AddRange(Enumerable.Repeat("", width));
                else if (options.AllClasses) cells.AddRange(probabilities.Select(Probability));
                else foreach (var (label, p) in Labels(result.Classes, probabilities, options)) cells.AddRange([label, Probability(p)]);
                cells.Add(file.Error ?? "");
                writer.WriteLine(Row(cells, separator));
            }
        }
    }

    private static string Row(IEnumerable<string> cells, char separator) =>
        string.Join(separator, cells.Select(c => separator == ',' ? CsvField(c) : TsvField(c)));

    // TSV has no quoting: a tab or line break inside a field (a strange file name) becomes a space.
    private static string TsvField(string value) => value.Replace('\t', ' ').Replace('\n', ' ').Replace('\r', ' ');

    private static string CsvField(string value) =>
        value.IndexOfAny([',', '"', '\n', '\r']) < 0 ? value : "\"" + value.Replace("\"", "\"\"") + "\"";

    private static void WriteJson(TextWriter writer, TaggingResult result, TagReportOptions options)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            json.WriteStartArray();
            foreach (var file in result.Files)
            {
                json.WriteStartObject();
                json.WriteString("path", file.Path);
                if (file.Error is not null || file.Probabilities is null)
                {
                    json.WriteString("error", file.Error ?? "not scored");
                    json.WriteEndObject();
                    continue;
                }
                json.WriteNumber("duration_s", Math.Round(file.Seconds, 3));
                WriteLabels(json, result.Classes, file.Probabilities, options);
                if (file.Timeline is { } windows)
                {
                    json.WriteStartArray("timeline");
                    foreach (var w in windows)
                    {
                        json.WriteStartObject();
                        json.WriteNumber("start_s", Math.Round(w.StartSeconds, 3));
                        json.WriteNumber("end_s", Math.Round(w.EndSeconds, 3));
                        WriteLabels(json, result.Classes, w.Probabilities, options);
                        json.WriteEndObject();
                    }
                    json.WriteEndArray();
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        writer.WriteLine(Encoding.UTF8.GetString(buffer.ToArray()));
    }

    // "labels": best first; with all classes "probabilities": an object keyed by class, in class order.
    private static void WriteLabels(Utf8JsonWriter json, IReadOnlyList<string> classes, float[] probabilities, TagReportOptions options)
    {
        if (options.AllClasses)
        {
            json.WriteStartObject("probabilities");
            for (int c = 0; c < classes.Count; c++) json.WriteNumber(classes[c], Math.Round(probabilities[c], 6));
            json.WriteEndObject();
            return;
        }
        json.WriteStartArray("labels");
        foreach (var (label, p) in Labels(classes, probabilities, options))
        {
            json.WriteStartObject();
            json.WriteString("label", label);
            json.WriteNumber("probability", Math.Round(p, 6));
            json.WriteEndObject();
        }
        json.WriteEndArray();
    }
}
