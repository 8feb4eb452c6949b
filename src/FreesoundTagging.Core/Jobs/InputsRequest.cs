using FreesoundTagging.Features;
using FreesoundTagging.IO;
using FreesoundTagging.Datasets;

namespace FreesoundTagging.Jobs;

/// <summary>What <c>inputs</c> is asked to do.</summary>
public sealed record InputsRequest
{
    public required string AudioDir { get; init; }

    public required string TrainCsv { get; init; }

    public required string OutDir { get; init; }

    public FeatureConfig Features { get; init; } = FeatureConfig.Original;

    public NpyDtype Dtype { get; init; } = NpyDtype.Float32;

    /// <summary>Keep only rows with manually_verified = 1.</summary>
    public bool VerifiedOnly { get; init; }

    /// <summary>Skip unreadable clips (listed in the result) instead of stopping at the first.</summary>
    public bool SkipInvalid { get; init; }

    /// <summary>Process only every ShardCount-th row starting at ShardIndex (0-based).</summary>
    public int ShardIndex { get; init; }

    public int ShardCount { get; init; } = 1;

    /// <summary>Clips decoded at once; default: all cores.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>(Features.Problems());
        if (ShardCount < 1) problems.Add($"shard count must be at least 1 (got {ShardCount})");
        else if (ShardIndex < 0 || ShardIndex >= ShardCount) problems.Add($"shard index must be in 0..{ShardCount - 1} (got {ShardIndex})");
        if (Threads < 1) problems.Add($"threads must be at least 1 (got {Threads})");
        if (Dtype == NpyDtype.Int32) problems.Add("samples must be float32 or float64");
        return problems;
    }
}

/// <summary>A clip left out, and why.</summary>
public sealed record SkippedClip(string Fname, string Reason);

/// <summary>What <c>inputs</c> wrote.</summary>
/// <param name="EmptyMelBands">Mel bands that cover no FFT bin at these settings (<see cref="MelFilterBank.EmptyFilterCount"/>):
/// constant in every row, worth a warning.</param>
public sealed record InputsResult(
    string SamplesPath,
    string LabelsPath,
    string DatasetPath,
    DatasetInfo Dataset,
    IReadOnlyList<SkippedClip> Skipped,
    IReadOnlyList<string> TruncatedClips,
    IReadOnlyList<string> ShortReadClips,
    double AudioSeconds,
    TimeSpan Elapsed,
    int EmptyMelBands = 0);

/// <summary>Progress of a long extraction, for a bar or a log line.</summary>
/// <param name="DecodedSeconds">Audio seconds decoded so far, clips under way included.</param>
/// <param name="TotalSeconds">Audio seconds expected in all (see <see cref="Features.AudioSecondsMeter"/>): exact at the end.</param>
public readonly record struct ExtractionProgress(int Done, int Total, double AudioSeconds, TimeSpan Elapsed, double DecodedSeconds = 0, double TotalSeconds = 0);
