namespace FreesoundTagging.Inference;

/// <summary>One timeline window in frames of the log-mel and in seconds of the file.</summary>
public readonly record struct TimelineSpan(int FirstFrame, int FrameCount, double StartSeconds, double EndSeconds);

public static class TimelineSpans
{
    /// <summary>Consecutive windows of <paramref name="width"/> frames over <paramref name="frames"/> log-mel frames
    /// (a frame every <paramref name="hop"/> samples); the last, possibly shorter, ends at the file's end.</summary>
    public static List<TimelineSpan> Of(int frames, int sampleRate, int hop, int width, double durationSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        double frameSeconds = (double)hop / sampleRate;
        var spans = new List<TimelineSpan>();
        for (int first = 0; first < frames; first += width)
        {
            int count = Math.Min(width, frames - first);
            double start = first * frameSeconds;
            if (start >= durationSeconds && spans.Count > 0) break; // the centre-padded last frame adds no audio
            double end = Math.Min(durationSeconds, (first + count) * frameSeconds);
            spans.Add(new TimelineSpan(first, count, start, end));
        }
        if (spans.Count > 0) spans[^1] = spans[^1] with { EndSeconds = durationSeconds };
        return spans;
    }
}
