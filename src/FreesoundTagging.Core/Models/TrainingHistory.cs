namespace FreesoundTagging.Models;

/// <summary>How a model was trained, saved with it so plots and reports need nothing else.</summary>
/// <param name="Epochs">One record per completed epoch, in order.</param>
/// <param name="Seed">The random seed training used, when one was set.</param>
/// <param name="ElapsedSeconds">Wall-clock training time.</param>
/// <param name="LengthBucketed">Trained on batches of similar-length clips cropped to their longest (--bucket)
/// rather than on clips padded to MaxFrames; predict then batches the same way.</param>
/// <param name="Recipe">The training settings in words (variant, epochs, crops, augmentation, fold…), for reports.</param>
/// <param name="DatasetClips">Rows of the training data, validation rows included (null in files from before it was recorded).</param>
/// <param name="KeptEpoch">1-based epoch whose weights the file holds (with --keep best, the one of highest validation
/// MAP@3); null in files of earlier builds, which always held the last.</param>
/// <param name="StoppedEarly">Training ended before its last epoch because validation MAP@3 stopped rising (--patience).</param>
/// <param name="Options">Every training option as resolved from recipe and command line (null in earlier files).</param>
/// <param name="RecipeName">The --recipe the options started from (a built-in name or a recipe file), if any.</param>
/// <param name="MemberElapsedSeconds">For an ensemble file: each member's training time (<see cref="Epochs"/> are the first member's).</param>
/// <param name="MemberValidationMap3">For a validated ensemble: each member's validation MAP@3 at its kept epoch.</param>
/// <param name="EnsembleValidationMap3">For a validated ensemble: the MAP@3 of the members' averaged probabilities.</param>
/// <param name="TrainedOn">The device and libtorch build that trained the model, e.g. "cpu (libtorch 2.10.0, CPU build)"
/// (null in files of earlier builds).</param>
public sealed record TrainingHistory(IReadOnlyList<EpochRecord> Epochs, int? Seed, double ElapsedSeconds, bool LengthBucketed = false, string? Recipe = null,
    int? DatasetClips = null, int? KeptEpoch = null, bool StoppedEarly = false, Recipes.TrainingOptions? Options = null, string? RecipeName = null,
    IReadOnlyList<double>? MemberElapsedSeconds = null, IReadOnlyList<double>? MemberValidationMap3 = null, double? EnsembleValidationMap3 = null, string? TrainedOn = null)
{
    /// <summary>The record of the epoch the weights come from (the last one for files that do not say).</summary>
    public EpochRecord? Kept => Epochs.Count == 0 ? null : Epochs.FirstOrDefault(e => e.Epoch == KeptEpoch) ?? Epochs[^1];

    public static TrainingHistory Empty { get; } = new([], null, 0);
}
