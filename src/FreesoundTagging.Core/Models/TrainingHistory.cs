namespace FreesoundTagging.Models;

/// <summary>How a model was trained, saved with it so plots and reports need nothing else.</summary>
/// <param name="Epochs">One record per completed epoch, in order.</param>
/// <param name="Seed">The random seed training used, when one was set.</param>
/// <param name="ElapsedSeconds">Wall-clock training time.</param>
/// <param name="LengthBucketed">Trained on batches of similar-length clips cropped to their longest (--bucket)
/// rather than on clips padded to MaxFrames; predict then batches the same way.</param>
/// <param name="Recipe">The training settings in words (variant, epochs, crops, augmentation, fold…), for reports.</param>
/// <param name="DatasetClips">Rows of the training data, validation rows included (null in files from before it was recorded).</param>
public sealed record TrainingHistory(IReadOnlyList<EpochRecord> Epochs, int? Seed, double ElapsedSeconds, bool LengthBucketed = false, string? Recipe = null, int? DatasetClips = null)
{
    public static TrainingHistory Empty { get; } = new([], null, 0);
}
