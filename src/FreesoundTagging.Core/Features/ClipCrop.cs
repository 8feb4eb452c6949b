namespace FreesoundTagging.Features;

/// <summary>
/// How a fixed-length crop is cut from a clip of any length, the same way in training and prediction: frame t of
/// a crop starting at <c>start</c> is clip frame (start + t) mod length. A clip at least as long as the crop is
/// cut without wrapping; a shorter one is looped to fill it, so a 0.3 s snap fills a 2 s crop with snaps rather
/// than with padding the network never sees at prediction time.
/// </summary>
public static class ClipCrop
{
    /// <summary>A uniformly random start: anywhere the crop fits, or any phase of the loop for a short clip.</summary>
    public static int RandomStart(int clipFrames, int cropFrames, Random random) =>
        clipFrames > cropFrames ? random.Next(clipFrames - cropFrames + 1) : random.Next(Math.Max(clipFrames, 1));

    /// <summary>Starts of the sliding windows predict averages over: every <paramref name="hop"/> frames, the last
    /// one flush with the clip's end; one window from frame 0 for a clip no longer than the window.</summary>
    public static int[] WindowStarts(int clipFrames, int windowFrames, int hop)
    {
        if (clipFrames <= windowFrames) return [0];
        var starts = new List<int>();
        int last = clipFrames - windowFrames;
        for (int s = 0; s < last; s += hop) starts.Add(s);
        starts.Add(last);
        return [.. starts];
    }

    /// <summary>Copies the crop of <paramref name="cropFrames"/> frames from <paramref name="start"/> out of a clip
    /// of <paramref name="clipFrames"/> frames (rows of <paramref name="bands"/> values).</summary>
    public static void Copy(ReadOnlySpan<float> clip, int clipFrames, int bands, int start, int cropFrames, Span<float> destination)
    {
        if (clipFrames < 1) throw new ArgumentOutOfRangeException(nameof(clipFrames), clipFrames, "a clip has at least one frame");
        int written = 0, from = start % clipFrames;
        while (written < cropFrames)
        {
            int run = Math.Min(cropFrames - written, clipFrames - from);
            clip.Slice(from * bands, run * bands).CopyTo(destination.Slice(written * bands, run * bands));
            written += run;
            from = 0;
        }
    }
}
