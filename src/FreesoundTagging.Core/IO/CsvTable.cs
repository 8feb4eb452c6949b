using System.Globalization;
using CsvHelper;

namespace FreesoundTagging.IO;

/// <summary>One data row of a manifest: the required columns' values, and the line it came from.</summary>
public sealed record CsvRecord(int Line, IReadOnlyList<string> Values);

/// <summary>
/// Reads a manifest CSV with CsvHelper (BOM, CRLF, quoted fields, blank lines) and checks what every manifest
/// needs: a header naming the required columns (extra columns are fine), and at least one data row.
/// </summary>
public static class CsvTable
{
    /// <summary>The value of an optional column the header does not have (an empty cell is "" instead).</summary>
    public const string AbsentColumn = "\0absent";

    /// <exception cref="InvalidCsvException">Missing file, empty file, missing columns, no rows, bad quoting.</exception>
    public static IReadOnlyList<CsvRecord> Read(string path, IReadOnlyList<string> required, IReadOnlyList<string>? optional = null)
    {
        if (RegularFile.Problem(path, "a CSV file") is { } problem) throw new InvalidCsvException(problem, path);
        try
        {
            CsvTextCheck.Check(path);
        }
        catch (IOException e)
        {
            throw new InvalidCsvException($"cannot read ({e.Message})", path, e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InvalidCsvException("permission denied", path, e);
        }
        var options = new CsvReaderOptions
        {
            HasHeader = true,
            SkipEmptyLines = true,
            TrimWhitespace = true,
            TrackLineNumbers = true,
            FieldCountMismatch = CsvFieldCountHandling.Allow,
            MissingField = CsvMissingFieldHandling.ReturnEmpty,
        };
        try
        {
            using var reader = new StreamReader(path, detectEncodingFromByteOrderMarks: true);
            using var csv = CsvReader.Create(reader, options, false);
            if (reader.Peek() < 0) throw new InvalidCsvException("empty file: expected a header line", path);
            csv.ReadHeader();
            var header = csv.Headers.Select(h => h.Trim()).ToArray();
            var columns = required.Concat(optional ?? []).ToList();
            // Which of two same-named columns holds the value would be a guess.
            var twice = header.Where(h => h.Length > 0).GroupBy(h => h, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (twice is not null) throw new InvalidCsvException($"column '{twice.Key}' appears more than once in the header", path);
            var missing = required.Where(c => !header.Contains(c, StringComparer.Ordinal)).ToList();
            if (missing.Count > 0)
                throw new InvalidCsvException(
                    $"missing column{(missing.Count > 1 ? "s" : "")} {string.Join(", ", missing.Select(m => $"'{m}'"))} (header has: {string.Join(", ", header)})", path);
            var index = columns.Select(c => Array.IndexOf(header, c)).ToArray();
            var rows = new List<CsvRecord>();
            while (csv.Read())
            {
                var values = new string[columns.Count];
                for (int i = 0; i < columns.Count; i++)
                    values[i] = index[i] < 0 ? AbsentColumn : index[i] < csv.FieldCount ? csv.GetString(index[i]) ?? "" : "";
                rows.Add(new CsvRecord((int)csv.LineNumber, values));
            }
            if (rows.Count == 0) throw new InvalidCsvException("has a header but no rows", path);
            return rows;
        }
        catch (CsvFormatException e)
        {
            throw new InvalidCsvException($"unreadable CSV near line {e.LineNumber}: {e.Message.Split('\n')[0]}", path, e);
        }
        catch (IOException e)
        {
            throw new InvalidCsvException($"cannot read ({e.Message})", path, e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InvalidCsvException("permission denied", path, e);
        }
    }

    /// <summary>The longest file name Linux file systems hold (NAME_MAX).</summary>
    public const int MaxFileNameBytes = 255;

    /// <summary>
    /// Checks that an fname names a file directly inside the audio folder: no path separators, no "..", no
    /// rooted paths, so a manifest can never read (or make us write) outside it.
    /// </summary>
    public static string CheckFileName(string fname, string csvPath, int line)
    {
        if (fname.Length == 0) throw new InvalidCsvException($"line {line}: empty fname", csvPath);
        // No file system holds a longer name, so it could only be reported as missing.
        if (System.Text.Encoding.UTF8.GetByteCount(fname) > MaxFileNameBytes)
            throw new InvalidCsvException($"line {line}: fname '{fname}' is longer than {MaxFileNameBytes} bytes, the longest file name there can be", csvPath);
        if (fname.Contains('/') || fname.Contains('\\') || fname == "." || fname == ".." || Path.IsPathRooted(fname) || fname.Contains('\0'))
            throw new InvalidCsvException($"line {line}: fname '{fname}' must be a plain file name inside the audio folder", csvPath);
        return fname;
    }

    /// <summary>Throws on the first fname seen twice, naming both lines.</summary>
    public static void CheckUnique(IEnumerable<(string Fname, int Line)> names, string csvPath)
    {
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (fname, line) in names)
        {
            if (!seen.TryAdd(fname, line))
                throw new InvalidCsvException($"line {line}: duplicate fname '{fname}' (first on line {seen[fname]})", csvPath);
        }
    }
}
