namespace FreesoundTagging.Training;

/// <summary>What one epoch achieved. Validation figures are null when nothing was held out.</summary>
public sealed record EpochRecord(
    int Epoch,
    double TrainLoss,
    double TrainAccuracy,
    double? ValidationLoss,
    double? ValidationAccuracy,
    double? ValidationMap3,
    double Seconds);
