using FreesoundTagging.Models;

namespace FreesoundTagging.Training;

/// <summary>
/// What a training job tells whoever draws its progress. Every method has a no-op default, so an observer says only
/// what it listens to. Ensemble members may train side by side on threads of their own: each thread's calls are
/// about its own run, in order.
/// </summary>
public interface ITrainingObserver
{
    /// <summary>Run <paramref name="run"/> (0-based) of <paramref name="runs"/> starts: a fold (--folds) or an
    /// ensemble member (--members). A job of one run never says it.</summary>
    void OnRunStarting(int run, int runs) { }

    /// <summary>A resumed run continues at 1-based <paramref name="epoch"/>, after <paramref name="step"/> steps of it.</summary>
    void OnResuming(int epoch, int step) { }

    /// <summary>A step is done (on a GPU, a few times a second rather than every step).</summary>
    void OnProgress(TrainingProgress progress) { }

    /// <summary>An epoch is done, its checkpoint written.</summary>
    void OnEpoch(EpochRecord epoch) { }

    /// <summary>A line about the job outside any epoch (a teacher being scored before distillation).</summary>
    void OnNotice(string line) { }
}

/// <summary>Observers that need no class of their own.</summary>
public static class TrainingObserver
{
    /// <summary>Listens to nothing.</summary>
    public static ITrainingObserver None { get; } = new Silent();

    private sealed class Silent : ITrainingObserver;
}
