namespace FreesoundTagging.Inference;

/// <summary>A clip's class probabilities, or why it could not be scored.</summary>
/// <param name="Truncated">The file ended inside its audio data and was read as far as it goes.</param>
/// <param name="Peak">The largest |sample| of the decoded clip (0 for digital silence).</param>
/// <param name="Timeline">Per-window probabilities when a timeline was asked for and the clip was scored.</param>
public sealed record ClipPrediction(string Path, float[]? Probabilities, string? Error, double Seconds, int Frames, bool Truncated = false, float Peak = 0,
    IReadOnlyList<TimelineWindow>? Timeline = null);

/// <summary>Progress through a set of clips.</summary>
/// <param name="AudioSeconds">Audio seconds of the clips done (scored or failed).</param>
/// <param name="DecodedSeconds">Audio seconds decoded so far, clips under way included.</param>
/// <param name="TotalSeconds">Audio seconds expected in all (see <see cref="Features.AudioSecondsMeter"/>): exact at the end.</param>
public readonly record struct PredictionProgress(int Done, int Total, double AudioSeconds, TimeSpan Elapsed, double DecodedSeconds = 0, double TotalSeconds = 0);
