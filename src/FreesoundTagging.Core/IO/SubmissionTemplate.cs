namespace FreesoundTagging.IO;

/// <summary>One row of sample_submission.csv: the clip, and the label to fall back on if it cannot be scored.</summary>
public sealed record SubmissionRow(string Fname, string FallbackLabel);

/// <summary>sample_submission.csv (fname,label): which clips to predict, in which order.</summary>
public sealed record SubmissionTemplate(string Path, IReadOnlyList<SubmissionRow> Rows)
{
    /// <exception cref="InvalidCsvException">Missing columns, duplicate or unsafe fnames.</exception>
    public static SubmissionTemplate Read(string path)
    {
        var records = CsvTable.Read(path, ["fname"], ["label"]);
        var rows = records.Select(r => new SubmissionRow(CsvTable.CheckFileName(r.Values[0], path, r.Line), r.Values[1])).ToList();
        CsvTable.CheckUnique(rows.Select((row, i) => (row.Fname, records[i].Line)), path);
        return new SubmissionTemplate(path, rows);
    }
}
