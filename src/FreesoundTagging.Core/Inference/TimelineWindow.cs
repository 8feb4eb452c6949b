namespace FreesoundTagging.Inference;

/// <summary>One window of a timeline: its span in the file and its class probabilities.</summary>
public sealed record TimelineWindow(double StartSeconds, double EndSeconds, float[] Probabilities);
