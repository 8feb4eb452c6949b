namespace FreesoundTagging.Models;

/// <summary>How a model was trained, saved with it so plots and reports need nothing else.</summary>
/// <param name="Epochs">One record per completed epoch, in order.</param>
/// <param name="Seed">The random seed training used, when one was set.</param>
/// <param name="ElapsedSeconds">Wall-clock training time.</param>
public sealed record TrainingHistory(IReadOnlyList<EpochRecord> Epochs, int? Seed, double ElapsedSeconds)
{
    public static TrainingHistory Empty { get; } = new([], null, 0);
}
