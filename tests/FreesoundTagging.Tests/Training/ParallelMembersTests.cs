using FreesoundTagging.Jobs;
using FreesoundTagging.Models;
using FreesoundTagging.Recipes;
using FreesoundTagging.Runtime;
using FreesoundTagging.Tests.Support;
using FreesoundTagging.Torch;
using FreesoundTagging.Training;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Training;

/// <summary>Ensemble members trained side by side on threads of their own (<see cref="ModelTraining.ParallelMembers"/>).</summary>
[Collection(TorchCollection.Name)]
public class ParallelMembersTests
{
    public ParallelMembersTests() => TorchRuntime.Initialise(1);

    // The deep recipe's ingredients (crops, mixup, masks, cosine) on a VGG with dropout: every source of randomness.
    private static TrainingOptions Recipe(int epochs = 2) => RecipeTests.Recipe(epochs) with { Members = 2 };

    [Fact]
    public void MembersRunSideBySideOnTheCpuWhenThereAreThreadsForThem()
    {
        Assert.Equal(1, ModelTraining.ParallelMembers(Recipe() with { Threads = 1 }));
        Assert.Equal(2, ModelTraining.ParallelMembers(Recipe() with { Threads = 2 }));
        Assert.Equal(2, ModelTraining.ParallelMembers(Recipe() with { Threads = 8 }));
        Assert.Equal(3, ModelTraining.ParallelMembers(Recipe() with { Members = 3, Threads = 8 }));
        Assert.Equal(1, ModelTraining.ParallelMembers(Recipe() with { Members = 1, Threads = 8 }));
    }

    [Theory]
    [InlineData(3, 2, 3)]
    [InlineData(4, 2, 2)]
    [InlineData(5, 2, 3)]
    [InlineData(7, 3, 4)]
    [InlineData(6, 3, 3)]
    public void MoreMembersThanThreadsRunInWavesThatLeaveNoCoreIdle(int members, int threads, int width)
    {
        Assert.Equal(width, ModelTraining.ParallelMembers(Recipe() with { Members = members, Threads = threads }));
        // Every wave but perhaps the last is full, and none has fewer members than there are threads.
        int full = members / width, rest = members % width;
        Assert.True(width >= threads);
        Assert.True(rest == 0 || rest >= threads, $"a last wave of {rest} would leave cores idle");
        Assert.True(full >= 1);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(3)]
    public void MembersTrainedSideBySideAreBitIdenticalToMembersTrainedOneAfterAnother(int members)
    {
        // Guaranteed by the code: each member runs on one libtorch thread either way (3 members on 2 threads too:
        // they share the cores), and draws its dropout masks from a generator of its own (SeededDropout) and
        // everything else from seeds of its own.
        using var dir = new TempDir();
        SyntheticDataset.Write(dir.Path, rows: 32, classes: 4);
        var options = Recipe() with { ValidationFraction = 0.25, Members = members };
        var oneAfterAnother = ModelTraining.Run(new TrainRequest { Variant = ModelVariant.Vgg2d, DataDirs = [dir.Path], SavePath = dir.File("seq.fstmodel"), Options = options with { Threads = 1 } });
        var sideBySide = ModelTraining.Run(new TrainRequest { Variant = ModelVariant.Vgg2d, DataDirs = [dir.Path], SavePath = dir.File("par.fstmodel"), Options = options with { Threads = 2 } });

        AssertSameWeights(oneAfterAnother.ModelPath, sideBySide.ModelPath);
        Assert.Equal(oneAfterAnother.Validation!.Scores, sideBySide.Validation!.Scores);
        var history = ModelFile.ReadMetadata(sideBySide.ModelPath).History;
        Assert.Equal(members, history.MemberElapsedSeconds!.Count);
        Assert.Equal(2, history.Options!.Threads);
    }

    [Fact]
    public void AnInterruptedSideBySideRunResumesToTheWeightsOfAnUninterruptedOne()
    {
        using var dir = new TempDir();
        SyntheticDataset.Write(dir.Path, rows: 24, classes: 3);
        var options = Recipe(3) with { Threads = 2 };
        var whole = ModelTraining.Run(new TrainRequest { Variant = ModelVariant.Vgg2d, DataDirs = [dir.Path], SavePath = dir.File("whole.fstmodel"), Options = options });

        var request = new TrainRequest { Variant = ModelVariant.Vgg2d, DataDirs = [dir.Path], SavePath = dir.File("cut.fstmodel"), Options = options };
        using var cancel = new CancellationTokenSource();
        int steps = 0;
        // Both members are under way when the run is cancelled, in their first or second epoch.
        Assert.Throws<OperationCanceledException>(() => ModelTraining.Run(request, new CountingProgress(() => { if (Interlocked.Increment(ref steps) == 8) cancel.Cancel(); }),
            cancel: cancel.Token));
        Assert.True(File.Exists(request.MemberPath(0) + ".ckpt"));
        Assert.True(File.Exists(request.MemberPath(1) + ".ckpt"));
        Assert.False(File.Exists(request.SavePath));

        var resumed = ModelTraining.Run(request with { Resume = true });
        AssertSameWeights(whole.ModelPath, resumed.ModelPath);
    }

    private static void AssertSameWeights(string expectedPath, string actualPath)
    {
        using var expected = ModelFile.Load(expectedPath);
        using var actual = ModelFile.Load(actualPath);
        var expectedWeights = expected.Model.state_dict();
        var actualWeights = actual.Model.state_dict();
        Assert.Equal(expectedWeights.Keys, actualWeights.Keys);
        foreach (var (name, value) in expectedWeights)
            Assert.Equal(value.to_type(ScalarType.Float64).data<double>().ToArray(), actualWeights[name].to_type(ScalarType.Float64).data<double>().ToArray());
    }

    private sealed class CountingProgress(Action report) : ITrainingObserver
    {
        public void OnProgress(TrainingProgress value) => report();
    }
}

public class ConcurrentRunsTests
{
    [Fact]
    public void JobsStartInOrderAndTheirResultsComeBackByIndex()
    {
        var started = new List<(int, int)>();
        var results = ConcurrentRuns.Run(5, 2, (k, _) => k * k, (k, n) => started.Add((k, n)), CancellationToken.None);
        Assert.Equal([0, 1, 4, 9, 16], results);
        Assert.Equal([(0, 5), (1, 5), (2, 5), (3, 5), (4, 5)], started);
    }

    [Fact]
    public void AFailingJobStopsTheOthersAndItsErrorIsRaised()
    {
        var started = new List<int>();
        bool? sawCancellation = null;
        var error = Assert.Throws<InvalidOperationException>(() => ConcurrentRuns.Run(4, 2, (k, token) =>
        {
            if (k == 0) throw new InvalidOperationException("member 1 diverged");
            // Any other job waits for the failure to reach it, as a training run would at its next step.
            sawCancellation = token.WaitHandle.WaitOne(TimeSpan.FromSeconds(60));
            token.ThrowIfCancellationRequested();
            return k;
        }, (k, _) => started.Add(k), CancellationToken.None));
        Assert.Equal("member 1 diverged", error.Message);
        // No job starts after the failure; one that had started was stopped by it.
        Assert.DoesNotContain(2, started);
        Assert.DoesNotContain(3, started);
        Assert.True(sawCancellation ?? true);
    }

    [Fact]
    public void CancellingTheRunStopsEveryJob()
    {
        using var cancel = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => ConcurrentRuns.Run(3, 2, (k, token) =>
        {
            if (k == 1) cancel.Cancel();
            token.WaitHandle.WaitOne(TimeSpan.FromSeconds(60));
            token.ThrowIfCancellationRequested();
            return k;
        }, null, cancel.Token));
    }
}
