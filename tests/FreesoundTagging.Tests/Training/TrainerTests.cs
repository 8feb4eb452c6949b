using FreesoundTagging.Datasets;
using FreesoundTagging.Metrics;
using FreesoundTagging.Recipes;
using FreesoundTagging.Runtime;
using FreesoundTagging.Tests.Support;
using FreesoundTagging.Torch;
using FreesoundTagging.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Training;

[Collection(TorchCollection.Name)]
public class TrainerTests
{
    public TrainerTests() => TorchRuntime.Initialise(1);

    private static TrainingOptions Options(int epochs = 4) => new()
    {
        Epochs = epochs, BatchSize = 8, Seed = 7, Device = "cpu", Threads = 1, LearningRate = 0.05,
    };

    [Fact]
    public void LossFallsAndHistoryHasOneRecordPerEpoch()
    {
        using var dir = new TempDir();
        var files = SyntheticDataset.Write(dir.Path, rows: 48, classes: 4);
        using var data = TrainingSet.Open([files]);
        var outcome = new Trainer(data, Options(), () => new MaxLinearModel(16, 4), dir.File("m.ckpt")).Run(resume: false);

        Assert.Equal(4, outcome.History.Count);
        Assert.True(outcome.History[^1].TrainLoss < outcome.History[0].TrainLoss * 0.7, $"loss {outcome.History[0].TrainLoss} -> {outcome.History[^1].TrainLoss}");
        Assert.True(outcome.History[^1].TrainAccuracy > 0.5);
        Assert.True(File.Exists(dir.File("m.ckpt")));
    }

    [Fact]
    public void ValidationReportsLossAccuracyAndMap3()
    {
        using var dir = new TempDir();
        var files = SyntheticDataset.Write(dir.Path, rows: 60, classes: 4);
        using var data = TrainingSet.Open([files]);
        var outcome = new Trainer(data, Options(3) with { ValidationFraction = 0.2 }, () => new MaxLinearModel(16, 4), dir.File("m.ckpt")).Run(resume: false);
        var last = outcome.History[^1];
        Assert.NotNull(last.ValidationLoss);
        Assert.InRange(last.MeanAveragePrecisionAt3!.Value, last.ValidationAccuracy!.Value, 1.0);
    }

    [Fact]
    public void InterruptedThenResumedRunEndsWhereAnUninterruptedOneDoes()
    {
        using var dir = new TempDir();
        var files = SyntheticDataset.Write(dir.Path, rows: 40, classes: 4);
        using var data = TrainingSet.Open([files]);

        var straight = new Trainer(data, Options(3), () => new MaxLinearModel(16, 4), dir.File("a.ckpt")).Run(resume: false);

        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress<TrainingProgress>(p => { if (p.Epoch == 2 && p.Step == 2) cancel.Cancel(); });
        var interrupted = new Trainer(data, Options(3), () => new MaxLinearModel(16, 4), dir.File("b.ckpt"));
        Assert.Throws<OperationCanceledException>(() => interrupted.Run(resume: false, progress, cancel: cancel.Token));
        var state = TrainingCheckpoint.ReadState(dir.File("b.ckpt"));
        Assert.Equal((1, 2), (state.Epoch, state.Step));

        var resumed = new Trainer(data, Options(3), () => new MaxLinearModel(16, 4), dir.File("b.ckpt")).Run(resume: true);

        Assert.Equal(3, resumed.History.Count);
        Assert.Equal(straight.History.Select(h => h.TrainLoss), resumed.History.Select(h => h.TrainLoss), new Tolerance(1e-6));
        foreach (var (a, b) in straight.Model.parameters().Zip(resumed.Model.parameters()))
            Assert.True(a.allclose(b, rtol: 1e-6, atol: 1e-7));
    }

    [Fact]
    public void ResumeRefusesOtherSettingsAndFinishedRuns()
    {
        using var dir = new TempDir();
        var files = SyntheticDataset.Write(dir.Path, rows: 16, classes: 2);
        using var data = TrainingSet.Open([files]);
        new Trainer(data, Options(1), () => new MaxLinearModel(16, 2), dir.File("c.ckpt")).Run(resume: false);

        Assert.Contains("already finished", Assert.Throws<InvalidModelException>(() =>
            new Trainer(data, Options(1), () => new MaxLinearModel(16, 2), dir.File("c.ckpt")).Run(resume: true)).Message);
        Assert.Contains("other settings", Assert.Throws<InvalidModelException>(() =>
            new Trainer(data, Options(2) with { BatchSize = 4 }, () => new MaxLinearModel(16, 2), dir.File("c.ckpt")).Run(resume: true)).Message);
        Assert.Contains("nothing to resume", Assert.Throws<InvalidModelException>(() =>
            new Trainer(data, Options(2), () => new MaxLinearModel(16, 2), dir.File("none.ckpt")).Run(resume: true)).Message);
    }

    [Fact]
    public void ACorruptCheckpointIsRefused()
    {
        using var dir = new TempDir();
        var files = SyntheticDataset.Write(dir.Path, rows: 16, classes: 2);
        using var data = TrainingSet.Open([files]);
        new Trainer(data, Options(1), () => new MaxLinearModel(16, 2), dir.File("d.ckpt")).Run(resume: false);
        byte[] bytes = File.ReadAllBytes(dir.File("d.ckpt"));
        File.WriteAllBytes(dir.File("d.ckpt"), bytes[..(bytes.Length / 2)]);
        Assert.Contains("truncated or corrupt", Assert.Throws<InvalidModelException>(() => TrainingCheckpoint.ReadState(dir.File("d.ckpt"))).Message);
    }

    [Fact]
    public void KeepBestSavesTheWeightsOfTheEpochWithTheHighestValidationMap3()
    {
        using var dir = new TempDir();
        var files = SyntheticDataset.Write(dir.Path, rows: 48, classes: 4);
        using var data = TrainingSet.Open([files]);
        // A rate this high makes validation MAP@3 rise and fall, so the best epoch is not the last.
        var options = Options(8) with { ValidationFraction = 0.25, LearningRate = 0.8, Keep = KeepEpoch.Best };
        var best = new Trainer(data, options, () => new MaxLinearModel(16, 4), dir.File("best.ckpt")).Run(resume: false);

        int expected = Trainer.BestEpoch(best.History);
        double bestMap = best.History.Max(e => e.MeanAveragePrecisionAt3!.Value);
        Assert.Equal(bestMap, best.History[expected - 1].MeanAveragePrecisionAt3);
        Assert.Equal(expected, best.KeptEpoch);
        Assert.True(expected < 8, $"the best epoch should not be the last here: {string.Join(", ", best.History.Select(e => e.MeanAveragePrecisionAt3))}");
        // The same run stopped at the best epoch holds the same weights (a constant rate does not depend on --epochs).
        var upTo = new Trainer(data, options with { Epochs = expected, Keep = KeepEpoch.Last }, () => new MaxLinearModel(16, 4), dir.File("upto.ckpt")).Run(resume: false);
        foreach (var (a, b) in best.Model.parameters().Zip(upTo.Model.parameters()))
            Assert.True(a.allclose(b, rtol: 1e-6, atol: 1e-7));
        // The held-out scores returned are the kept epoch's: their MAP@3 is that epoch's.
        var truth = best.ValidationRows!.Select(r => data.Labels[r]).ToList();
        Assert.Equal(bestMap, RankingMetrics.MeanAveragePrecisionAt3(best.ValidationScores, 4, truth), 6);

        var last = new Trainer(data, options with { Keep = KeepEpoch.Last }, () => new MaxLinearModel(16, 4), dir.File("last.ckpt")).Run(resume: false);
        Assert.Equal(8, last.KeptEpoch);
    }

    [Fact]
    public void KeepBestSurvivesAnInterruption()
    {
        using var dir = new TempDir();
        var files = SyntheticDataset.Write(dir.Path, rows: 48, classes: 4);
        using var data = TrainingSet.Open([files]);
        var options = Options(8) with { ValidationFraction = 0.25, LearningRate = 0.8, Keep = KeepEpoch.Best };
        var straight = new Trainer(data, options, () => new MaxLinearModel(16, 4), dir.File("a.ckpt")).Run(resume: false);

        using var cancel = new CancellationTokenSource();
        var progress = new SynchronousProgress<TrainingProgress>(p => { if (p.Epoch == 7 && p.Step == 1) cancel.Cancel(); });
        Assert.Throws<OperationCanceledException>(() => new Trainer(data, options, () => new MaxLinearModel(16, 4), dir.File("b.ckpt")).Run(resume: false, progress, cancel: cancel.Token));
        (int Epoch, int Step) resumedAt = default;
        var resumed = new Trainer(data, options, () => new MaxLinearModel(16, 4), dir.File("b.ckpt")).Run(resume: true, new TestObserver { Resuming = (e, s) => resumedAt = (e, s) });

        Assert.Equal((7, 1), resumedAt);
        Assert.Equal(straight.KeptEpoch, resumed.KeptEpoch);
        foreach (var (a, b) in straight.Model.parameters().Zip(resumed.Model.parameters()))
            Assert.True(a.allclose(b, rtol: 1e-6, atol: 1e-7));
        Assert.Equal(straight.ValidationScores!, resumed.ValidationScores!, new Tolerance(1e-5));
    }

    [Fact]
    public void PatienceStopsOnceValidationMap3StopsRising()
    {
        using var dir = new TempDir();
        var files = SyntheticDataset.Write(dir.Path, rows: 48, classes: 4);
        using var data = TrainingSet.Open([files]);
        var outcome = new Trainer(data, Options(40) with { ValidationFraction = 0.25, Patience = 2 }, () => new MaxLinearModel(16, 4), dir.File("p.ckpt")).Run(resume: false);

        int best = Trainer.BestEpoch(outcome.History);
        Assert.True(outcome.StoppedEarly);
        Assert.Equal(best + 2, outcome.History.Count);
        Assert.Equal(best + 2, outcome.KeptEpoch);
        Assert.True(TrainingCheckpoint.ReadState(dir.File("p.ckpt")).StoppedEarly);
        Assert.Contains("stopped early", Assert.Throws<InvalidModelException>(() =>
            new Trainer(data, Options(40) with { ValidationFraction = 0.25, Patience = 2 }, () => new MaxLinearModel(16, 4), dir.File("p.ckpt")).Run(resume: true)).Message);
    }

    [Theory]
    [InlineData(KeepEpoch.Best, 0)]
    [InlineData(KeepEpoch.Last, 3)]
    public void KeepBestAndPatienceNeedAValidationSet(KeepEpoch keep, int patience)
    {
        var problems = (Options() with { Keep = keep, Patience = patience }).Problems();
        Assert.Contains(problems, p => p.Contains("needs a validation set"));
        Assert.Empty((Options() with { Keep = keep, Patience = patience, ValidationFraction = 0.2 }).Problems());
        Assert.Empty((Options() with { Keep = keep, Patience = patience, Folds = 3 }).Problems());
    }

    private sealed class SynchronousProgress<T>(Action<TrainingProgress> report) : ITrainingObserver
    {
        public void OnProgress(TrainingProgress value) => report(value);
    }
}
