namespace FreesoundTagging.IO;

/// <summary>One row of train.csv.</summary>
public sealed record TrainRow(string Fname, string Label, bool ManuallyVerified);

/// <summary>
/// train.csv (fname,label[,manually_verified]). The class list is the labels in order of first appearance, as
/// the original inputs.py built its one-hot columns.
/// </summary>
public sealed record TrainManifest(string Path, IReadOnlyList<TrainRow> Rows, IReadOnlyList<string> Classes)
{
    /// <exception cref="InvalidCsvException">Missing columns, duplicate or unsafe fnames, empty labels.</exception>
    public static TrainManifest Read(string path)
    {
        var records = CsvTable.Read(path, ["fname", "label"], ["manually_verified"]);
        var rows = new List<TrainRow>(records.Count);
        foreach (var r in records)
        {
            string fname = CsvTable.CheckFileName(r.Values[0], path, r.Line);
            string label = r.Values[1];
            if (label.Length == 0) throw new InvalidCsvException($"line {r.Line}: empty label for '{fname}'", path);
            // Submissions separate the three labels with spaces and readers split them on any whitespace.
            if (label.FirstOrDefault(char.IsWhiteSpace) is var blank && blank != default)
            {
                // Three labels in a row is what a sample_submission.csv holds: the two CSVs were most likely swapped.
                string swapped = blank == ' ' && label.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 3 && !records.Any(x => x.Values[2] != CsvTable.AbsentColumn)
                    ? "; this looks like a sample_submission.csv (3 labels per clip) where a train.csv is expected: are the CSVs swapped?"
                    : " (submissions separate labels with spaces)";
                throw new InvalidCsvException($"line {r.Line}: label '{label}' contains {Whitespace(blank)}{swapped}", path);
            }
            if (label.Length > MaxLabelLength)
                throw new InvalidCsvException($"line {r.Line}: label '{label}' is {label.Length} characters long; labels are at most {MaxLabelLength}", path);
            bool verified = r.Values[2] switch
            {
                CsvTable.AbsentColumn or "1" or "True" or "true" => true,
                "" => throw new InvalidCsvException($"line {r.Line}: manually_verified is empty for '{fname}' (expected 0 or 1)", path),
                "0" or "False" or "false" => false,
                var v => throw new InvalidCsvException($"line {r.Line}: manually_verified must be 0 or 1 (got '{v}')", path),
            };
            rows.Add(new TrainRow(fname, label, verified));
        }
        CsvTable.CheckUnique(rows.Select((row, i) => (row.Fname, records[i].Line)), path);
        var classes = rows.Select(r => r.Label).Distinct(StringComparer.Ordinal).ToList();
        return new TrainManifest(path, rows, classes);
    }

    /// <summary>The longest label (class name) taken: names travel into dataset.json, every model file and every message.</summary>
    public const int MaxLabelLength = 256;

    private static string Whitespace(char c) => c switch
    {
        ' ' => "a space",
        '\t' => "a tab",
        '\n' or '\r' => "a line break",
        _ => $"whitespace (U+{(int)c:X4})",
    };

    /// <summary>Class order from a train.csv without keeping its rows: what predict checks a model against.</summary>
    public static IReadOnlyList<string> ReadClasses(string path) => Read(path).Classes;
}
