using System.Text.Json;
using FreesoundTagging.Features;
using FreesoundTagging.IO;

namespace FreesoundTagging.Datasets;

/// <summary>
/// The sidecar <c>dataset.json</c> that <c>inputs</c> writes beside samples.npy and labels.npy: the feature
/// settings, the class list (the labels.npy columns), and per row the file name, true frame count and whether
/// the label was manually verified. Later stages read settings from here instead of having them re-typed.
/// It is written last, so its presence marks a complete set of outputs.
/// </summary>
public sealed record DatasetInfo
{
    public const string FileName = "dataset.json";
    public const string SamplesFileName = "samples.npy";
    public const string LabelsFileName = "labels.npy";
    /// <summary>2: snake_case keys (<see cref="JsonFormat"/>); 1: camelCase keys, still read.</summary>
    public const int CurrentFormat = 2;

    /// <summary>The format of files written before the one JSON policy.</summary>
    public const int CamelCaseFormat = 1;

    public int Format { get; init; } = CurrentFormat;

    public required FeatureConfig Features { get; init; }

    public required IReadOnlyList<string> Classes { get; init; }

    public required IReadOnlyList<string> Fnames { get; init; }

    /// <summary>Frames each clip really has (before padding or truncation to Features.MaxFrames).</summary>
    public required IReadOnlyList<int> Frames { get; init; }

    public required IReadOnlyList<bool> Verified { get; init; }

    public NpyDtype Dtype { get; init; } = NpyDtype.Float32;

    /// <summary>"K/N" when this is shard K of N (inputs --shard), else null.</summary>
    public string? Shard { get; init; }

    public string? SourceCsv { get; init; }

    /// <summary>inputs --verified-only: shards are cut from the rows it keeps, so shards must agree on it.</summary>
    public bool VerifiedOnly { get; init; }

    /// <summary>
    /// Each row's position among train.csv's data rows (0-based, before --verified-only or skipped clips), so
    /// that shards can be put back in CSV order. Null in files written before it was recorded.
    /// </summary>
    public IReadOnlyList<int>? SourceRows { get; init; }

    public int RowCount => Fnames.Count;

    public void Write(string path) => AtomicFile.WriteAllText(path, JsonSerializer.Serialize(this, JsonFormat.Options));

    /// <summary>The largest dataset.json read: about 100 bytes a clip, so room for millions of clips.</summary>
    public const long MaxFileBytes = 1L << 30;

    /// <exception cref="InvalidInputException">Missing (inputs did not finish), unreadable or inconsistent.</exception>
    public static DatasetInfo Read(string path)
    {
        if (!FileStatus.Of(path).Exists)
            throw new InvalidInputException(RegularFile.TooLong(path) ?? $"{FileName} not found: run `inputs` first (it writes {FileName} last, so without it the arrays are incomplete), or give the folder it wrote to with `model --data DIR`", path);
        // Never opened unless a regular file (a FIFO would block); the size bound keeps /dev/zero-like files out.
        string text = RegularFile.ReadAllText(path, $"the {FileName} written by inputs", MaxFileBytes);
        DatasetInfo? info;
        try
        {
            // "format" is spelled alike in both key styles, so it says how to read the rest.
            int format = FormatOf(text);
            if (format is not (CurrentFormat or CamelCaseFormat))
                throw new InvalidInputException($"{FileName} format {format} is not supported (this build reads formats {CamelCaseFormat} and {CurrentFormat})", path);
            info = JsonSerializer.Deserialize<DatasetInfo>(text, format == CurrentFormat ? JsonFormat.Options : JsonFormat.Legacy);
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"unreadable {FileName} ({e.Message})", path, e);
        }
        if (info is null) throw new InvalidInputException($"empty {FileName}", path);
        if (info.Frames.Count != info.Fnames.Count || info.Verified.Count != info.Fnames.Count)
            throw new InvalidInputException($"{FileName} lists {info.Fnames.Count} files but {info.Frames.Count} frame counts", path);
        if (info.SourceRows is not null && info.SourceRows.Count != info.Fnames.Count)
            throw new InvalidInputException($"{FileName} lists {info.Fnames.Count} files but {info.SourceRows.Count} source rows", path);
        info.Features.EnsureValid();
        // Whatever spelling it was read from, the record is the current format: written back, it is written as one.
        return info with { Format = CurrentFormat };
    }

    /// <summary>The top-level "format" number; 1 when absent (the first files all had it, but be lenient).</summary>
    private static int FormatOf(string text)
    {
        using var document = JsonDocument.Parse(text);
        if (document.RootElement.ValueKind != JsonValueKind.Object) throw new JsonException("the JSON is not an object");
        return document.RootElement.TryGetProperty("format", out var format) && format.TryGetInt32(out int n) ? n : CamelCaseFormat;
    }
}
