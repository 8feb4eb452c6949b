namespace FreesoundTagging.Training;

/// <summary>Where a training step is, for a progress bar.</summary>
public readonly record struct TrainingProgress(
    int Epoch, int Epochs, int Step, int Steps, double Loss, double Accuracy, double StepsPerSecond);
