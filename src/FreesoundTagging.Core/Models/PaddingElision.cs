namespace FreesoundTagging.Models;

/// <summary>
/// How cnn_1d's body computes a batch zero-padded to <see cref="PaddedFrames"/> without convolving the padding,
/// with the same global max (docs/performance.md derives every bound used here):
/// <list type="bullet">
/// <item>A group of rows whose content (frames up to the last non-zero one) is at most n frames is cropped to
/// <see cref="Plan.CropFrames"/> frames, which keeps the padded length's pooling phase (≡ PaddedFrames mod 4) and
/// reaches past position <see cref="Plan.TailStart"/> − 1's receptive field, so conv3 positions
/// 0 … TailStart − 1 are exactly the padded ones.</item>
/// <item>Padded positions from TailStart on see only zeros: each is either the per-channel constant of an all-zero
/// region or one of the right-end activations (conv2's zero padding past the end), which depend on the distance to
/// the end only. <see cref="ZeroFrames"/> zeros (same phase) give exactly that set from position
/// <see cref="ZeroTailStart"/> on, once per forward pass.</item>
/// </list>
/// Where the tail would not hold a constant position (content within the last receptive field or so of the end),
/// the group is computed padded in full.
/// </summary>
internal sealed class PaddingElision
{
    private readonly Cnn1dGeometry _padded;

    public PaddingElision(long paddedFrames)
    {
        _padded = new Cnn1dGeometry(paddedFrames);
        // The shortest zero sequence in phase with a position free of both of its ends.
        for (long z = _padded.InPhase(1); ; z += Cnn1dGeometry.Phase)
        {
            var zero = new Cnn1dGeometry(z);
            if (zero.FirstPastLeftEnd < zero.FirstRightEnd)
            {
                ZeroFrames = z;
                ZeroTailStart = zero.FirstPastLeftEnd;
                break;
            }
        }
    }

    public long PaddedFrames => _padded.Length;

    /// <summary>A row computed whole: all of its padded length, every conv3 position kept, no tail.</summary>
    public Plan Whole => new(PaddedFrames, _padded.Conv3Length);

    /// <summary>Length of the all-zero sequence whose conv3 outputs from <see cref="ZeroTailStart"/> on are the padded tail's values.</summary>
    public long ZeroFrames { get; }

    public long ZeroTailStart { get; }

    /// <summary>A crop for content of <paramref name="contentFrames"/> frames, or null when only the full padded computation is exact (or no cheaper).</summary>
    public Plan? For(long contentFrames)
    {
        long n = Math.Clamp(contentFrames, 1, PaddedFrames);
        long tailStart = _padded.FirstBeyond(n);
        if (tailStart >= _padded.FirstRightEnd) return null;
        // The crop must reach the end of position tailStart − 1's receptive field.
        long crop = _padded.InPhase(Math.Max(1, Cnn1dGeometry.Phase * (tailStart - 1) + _padded.InputHi + 1));
        if (crop >= PaddedFrames) return null;
        return new Plan(crop, tailStart);
    }

    /// <param name="CropFrames">Frames to feed (content, then zeros).</param>
    /// <param name="TailStart">Conv3 positions below this come from the crop; the rest are the zero tail's.</param>
    public sealed record Plan(long CropFrames, long TailStart);
}
