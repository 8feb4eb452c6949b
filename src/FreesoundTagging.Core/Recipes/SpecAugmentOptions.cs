namespace FreesoundTagging.Recipes;

/// <summary>SpecAugment-style masking: each training example gets <see cref="TimeMasks"/> bands of up to
/// <see cref="TimeMaskFrames"/> frames and <see cref="FrequencyMasks"/> bands of up to
/// <see cref="FrequencyMaskBands"/> mel bands set to the example's mean (widths uniform in [0, max]).</summary>
public sealed record SpecAugmentOptions(int TimeMasks, int TimeMaskFrames, int FrequencyMasks, int FrequencyMaskBands)
{
    public static SpecAugmentOptions None { get; } = new(0, 0, 0, 0);

    public bool Enabled => (TimeMasks > 0 && TimeMaskFrames > 0) || (FrequencyMasks > 0 && FrequencyMaskBands > 0);
}
