using CsvHelper;
using FreesoundTagging.IO;

namespace FreesoundTagging.Inference;

/// <summary>One submission row: a clip and its labels, best first.</summary>
public sealed record SubmissionEntry(string Fname, IReadOnlyList<string> Labels);

/// <summary>
/// Writes a Kaggle submission (header fname,label; the labels space-separated, best first) with CsvHelper,
/// to a temporary file renamed into place, so a failure never leaves a half-written submission.
/// </summary>
public static class SubmissionWriter
{
    public static void Write(string path, IEnumerable<SubmissionEntry> entries)
    {
        using var file = Prepare(path, entries);
        file.Commit();
    }

    /// <summary>Writes the whole submission under its temporary name; the caller commits it (with its other outputs).</summary>
    public static AtomicFile Prepare(string path, IEnumerable<SubmissionEntry> entries)
    {
        var file = AtomicFile.Create(path);
        try
        {
            WriteTo(file, entries);
        }
        catch
        {
            file.Dispose();
            throw;
        }
        return file;
    }

    private static void WriteTo(AtomicFile file, IEnumerable<SubmissionEntry> entries)
    {
        using (var text = new StreamWriter(file.Stream, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true) { NewLine = "\n" })
        using (var csv = CsvWriter.Create(text, new CsvWriterOptions { NewLine = "\n" }, true))
        {
            csv.WriteHeader(["fname", "label"]);
            foreach (var e in entries) csv.WriteRecord([e.Fname, string.Join(' ', e.Labels)]);
            csv.Flush();
        }
        file.Stream.Flush();
    }
}
