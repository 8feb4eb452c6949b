namespace FreesoundTagging.Inference;

/// <summary>A clip's class probabilities, or why it could not be scored.</summary>
public sealed record ClipPrediction(string Path, float[]? Probabilities, string? Error, double Seconds, int Frames);

/// <summary>Progress through a set of clips.</summary>
public readonly record struct PredictionProgress(int Done, int Total, double AudioSeconds, TimeSpan Elapsed);
