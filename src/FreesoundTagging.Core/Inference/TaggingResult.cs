namespace FreesoundTagging.Inference;

/// <summary>A file's class probabilities (in the model's class order), or why it could not be tagged.</summary>
/// <param name="Path">As given, or as found under a given folder (so relative when the folder was).</param>
/// <param name="Timeline">Per-window probabilities when a timeline was asked for and the file could be read.</param>
/// <param name="Warnings">What makes the labels doubtful though the file was tagged (cut short, near-silent); empty when nothing does.</param>
public sealed record FileTags(string Path, double Seconds, float[]? Probabilities, string? Error, IReadOnlyList<TimelineWindow>? Timeline = null,
    IReadOnlyList<string>? Warnings = null);

/// <summary>A file found in a folder that was left out, and why.</summary>
public sealed record SkippedFile(string Path, string Reason);

/// <param name="Classes">The models' classes: the order of every probability row.</param>
/// <param name="TimelineWindowSeconds">The length of the timeline windows (see the tagging job's timeline windows), or null.</param>
public sealed record TaggingResult(IReadOnlyList<string> Classes, IReadOnlyList<FileTags> Files, IReadOnlyList<SkippedFile> Skipped, double? TimelineWindowSeconds = null);

/// <summary>What is known before the first file is tagged: enough to write a header and the skipped files.</summary>
/// <param name="ModelCropSeconds">The crop the models were trained on, when they all share one (else null).</param>
public sealed record TaggingStart(IReadOnlyList<string> Classes, IReadOnlyList<SkippedFile> Skipped, int Files, double? TimelineWindowSeconds, double? ModelCropSeconds);
