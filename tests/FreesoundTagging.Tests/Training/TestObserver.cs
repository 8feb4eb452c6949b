using FreesoundTagging.Models;
using FreesoundTagging.Training;

namespace FreesoundTagging.Tests.Training;

/// <summary>A training observer made of whichever reactions a test needs.</summary>
internal sealed class TestObserver : ITrainingObserver
{
    public Action<int, int>? RunStarting { get; init; }
    public Action<int, int>? Resuming { get; init; }
    public Action<TrainingProgress>? Progress { get; init; }
    public Action<EpochRecord>? Epoch { get; init; }

    public void OnRunStarting(int run, int runs) => RunStarting?.Invoke(run, runs);

    public void OnResuming(int epoch, int step) => Resuming?.Invoke(epoch, step);

    public void OnProgress(TrainingProgress progress) => Progress?.Invoke(progress);

    public void OnEpoch(EpochRecord epoch) => Epoch?.Invoke(epoch);
}
