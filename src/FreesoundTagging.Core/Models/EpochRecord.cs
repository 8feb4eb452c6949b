namespace FreesoundTagging.Models;

/// <summary>Metrics after one epoch. Validation values are null when training ran without a validation set.</summary>
/// <param name="Epoch">1-based.</param>
/// <param name="MeanAveragePrecisionAt3">MAP@3 on the validation set, the competition metric.</param>
/// <param name="Seconds">Wall-clock time of the epoch, validation included.</param>
public sealed record EpochRecord(
    int Epoch,
    double TrainLoss,
    double TrainAccuracy,
    double? ValidationLoss = null,
    double? ValidationAccuracy = null,
    double? MeanAveragePrecisionAt3 = null,
    double Seconds = 0);
