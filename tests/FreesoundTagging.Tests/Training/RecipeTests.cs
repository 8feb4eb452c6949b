using FreesoundTagging.Datasets;
using FreesoundTagging.Jobs;
using FreesoundTagging.Models;
using FreesoundTagging.Recipes;
using FreesoundTagging.Runtime;
using FreesoundTagging.Tests.Support;
using FreesoundTagging.Torch;
using FreesoundTagging.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Training;

/// <summary>The training recipe options: crops, mixup, masks, label weights, schedule and K folds.</summary>
[Collection(TorchCollection.Name)]
public class RecipeTests
{
    public RecipeTests() => TorchRuntime.Initialise(1);

    /// <summary>The full recipe on the synthetic datasets' 16 bands (EnsembleRecipeTests starts from it too).</summary>
    internal static TrainingOptions Recipe(int epochs = 3) => new()
    {
        Epochs = epochs, BatchSize = 8, Seed = 5, Device = "cpu", Threads = 1, LearningRate = 3e-3,
        // 10 frames at the original hop.
        CropSeconds = 0.1, MixupAlpha = 0.4, SpecAugment = new SpecAugmentOptions(1, 3, 1, 2), UnverifiedWeight = 0.5,
        Schedule = LearningRateSchedule.Cosine,
    };

    [Fact]
    public void CropFramesFollowTheHop()
    {
        var features = FreesoundTagging.Features.FeatureConfig.Original;
        Assert.Null(new TrainingOptions().CropFrames(features));
        Assert.Equal(10, Recipe().CropFrames(features));
        Assert.Equal(200, (Recipe() with { CropSeconds = 2 }).CropFrames(features));
        Assert.Equal(1, (Recipe() with { CropSeconds = 1e-6 }).CropFrames(features));
    }

    [Fact]
    public void CroppedBatchesHoldCropsFromWithinEachClip()
    {
        var frames = new[] { 5, 40, 12, 3, 25 };
        var batches = BatchPlan.ForEpoch([0, 1, 2, 3, 4], frames, 2, 40, false, 1, 0, cropFrames: 10);
        Assert.Equal([0, 1, 2, 3, 4], batches.SelectMany(b => b.Rows).Order());
        foreach (var batch in batches)
        {
            Assert.Equal(10, batch.Frames);
            for (int i = 0; i < batch.Rows.Length; i++)
                Assert.InRange(batch.Offsets![i], 0, Math.Max(frames[batch.Rows[i]] - 10, frames[batch.Rows[i]] - 1));
        }
        Assert.Equal(batches, BatchPlan.ForEpoch([0, 1, 2, 3, 4], frames, 2, 40, false, 1, 0, cropFrames: 10), new BatchComparer());
    }

    [Fact]
    public void TheFullRecipeLearnsAndSavesAWindowedModel()
    {
        using var dir = new TempDir();
        SyntheticDataset.Write(dir.Path, rows: 48, classes: 4, verified: i => i % 3 != 0);
        var result = ModelTraining.Run(new TrainRequest { Variant = ModelVariant.Vgg2d, DataDirs = [dir.Path], SavePath = dir.File("vgg.fstmodel"), Options = Recipe(6) with { ValidationFraction = 0.25 } });

        var history = result.History.Epochs;
        Assert.True(history[^1].TrainLoss < history[0].TrainLoss, $"loss {history[0].TrainLoss} → {history[^1].TrainLoss}");
        Assert.NotNull(history[^1].MeanAveragePrecisionAt3);
        var metadata = ModelFile.ReadMetadata(result.ModelPath);
        Assert.Equal(10, metadata.WindowFrames);
        Assert.Contains("crop 0.1 s", metadata.History.Recipe);
        Assert.Contains("mixup 0.4", metadata.History.Recipe);
        Assert.Contains("unverified weight 0.5", metadata.History.Recipe);
    }

    [Fact]
    public void ValidationScoresACropTrainedModelOverSlidingWindowsAsPredictWill()
    {
        using var dir = new TempDir();
        var files = SyntheticDataset.Write(dir.Path, rows: 40, classes: 4);
        using var data = TrainingSet.Open([files]);
        var options = Recipe(1) with { ValidationFraction = 0.25, MixupAlpha = 0, SpecAugment = SpecAugmentOptions.None };
        var outcome = new Trainer(data, options, () => ModelVariant.Vgg2d.Create(16, 4), dir.File("w.ckpt")).Run(resume: false);

        var (_, validation) = StratifiedSplit.Split(data.Labels, 0.25, outcome.Seed);
        var scorer = new FreesoundTagging.Scoring.ClipScorer(outcome.Model, data.Features, windowFrames: 10, lengthBucketed: false, batchSize: 8);
        var scores = scorer.Score(validation.Select(data.ReadClip).ToList(), CPU);
        double loss = validation.Select((row, i) => -Math.Log(scores[i][data.Labels[row]])).Average();
        Assert.Equal(loss, outcome.History[0].ValidationLoss!.Value, 5);
    }

    [Fact]
    public void TheCosineScheduleChangesTheStepsTaken()
    {
        using var dir = new TempDir();
        var files = SyntheticDataset.Write(dir.Path, rows: 16, classes: 2);
        using var data = TrainingSet.Open([files]);
        var plain = Recipe(2) with { MixupAlpha = 0, SpecAugment = SpecAugmentOptions.None, Schedule = LearningRateSchedule.Constant };
        var constant = new Trainer(data, plain, () => ModelVariant.Vgg2d.Create(16, 2), dir.File("c.ckpt")).Run(resume: false);
        var cosine = new Trainer(data, plain with { Schedule = LearningRateSchedule.Cosine }, () => ModelVariant.Vgg2d.Create(16, 2), dir.File("k.ckpt")).Run(resume: false);
        // The first step is at the full rate either way; later ones are smaller with cosine.
        Assert.Contains(constant.Model.parameters().Zip(cosine.Model.parameters()), pair => !pair.First.allclose(pair.Second));
    }

    [Fact]
    public void UnverifiedRowsWithWeightZeroDoNotMoveTheModel()
    {
        using var dir = new TempDir();
        var files = SyntheticDataset.Write(dir.Path, rows: 16, classes: 2, verified: _ => false);
        using var data = TrainingSet.Open([files]);
        var options = Recipe(1) with { UnverifiedWeight = 0, MixupAlpha = 0 };
        manual_seed(5);
        using var initial = ModelVariant.Vgg2d.Create(16, 2);
        var outcome = new Trainer(data, options, () => ModelVariant.Vgg2d.Create(16, 2), dir.File("z.ckpt")).Run(resume: false);
        // Batch-norm running statistics move with any forward pass; the trainable weights must not.
        foreach (var ((name, a), (_, b)) in initial.named_parameters().Zip(outcome.Model.named_parameters()))
            Assert.True(a.allclose(b), $"{name} changed");
        Assert.Equal(0, outcome.History[0].TrainLoss);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void AnInterruptedRecipeRunResumesExactly(bool degraded)
    {
        using var dir = new TempDir();
        var files = SyntheticDataset.Write(dir.Path, rows: 32, classes: 4, verified: i => i % 2 == 0);
        using var data = TrainingSet.Open([files]);
        var recipe = degraded ? Recipe() with { Degradations = new RecordingDegradations(0.5, 0.5, 0.5, 0.5, 0.5) } : Recipe();
        var straight = new Trainer(data, recipe, () => ModelVariant.Vgg2d.Create(16, 4), dir.File("a.ckpt")).Run(resume: false);

        using var cancel = new CancellationTokenSource();
        var progress = new Progress(p => { if (p.Epoch == 2 && p.Step == 2) cancel.Cancel(); });
        Assert.Throws<OperationCanceledException>(() =>
            new Trainer(data, recipe, () => ModelVariant.Vgg2d.Create(16, 4), dir.File("b.ckpt")).Run(resume: false, progress, cancel: cancel.Token));
        var resumed = new Trainer(data, recipe, () => ModelVariant.Vgg2d.Create(16, 4), dir.File("b.ckpt")).Run(resume: true);

        Assert.Equal(straight.History.Select(h => h.TrainLoss), resumed.History.Select(h => h.TrainLoss), new Tolerance(1e-5));
        foreach (var (a, b) in straight.Model.parameters().Zip(resumed.Model.parameters()))
            Assert.True(a.allclose(b, rtol: 1e-5, atol: 1e-6));
        Assert.Contains("other settings", Assert.Throws<InvalidModelException>(() =>
            new Trainer(data, recipe with { Epochs = 4, MixupAlpha = 0.2 }, () => ModelVariant.Vgg2d.Create(16, 4), dir.File("b.ckpt")).Run(resume: true)).Message);
        if (degraded)
        {
            // The degradations are settings of the run: other probabilities refuse to resume it.
            Assert.Contains("other settings", Assert.Throws<InvalidModelException>(() =>
                new Trainer(data, recipe with { Epochs = 4, Degradations = recipe.Degradations with { Noise = 0.9 } }, () => ModelVariant.Vgg2d.Create(16, 4), dir.File("b.ckpt")).Run(resume: true)).Message);
            // And they change the run: the same seed without them trains other weights.
            var plain = new Trainer(data, Recipe(), () => ModelVariant.Vgg2d.Create(16, 4), dir.File("c.ckpt")).Run(resume: false);
            Assert.Contains(plain.Model.parameters().Zip(straight.Model.parameters()), pair => !pair.First.allclose(pair.Second));
        }
    }

    [Fact]
    public void FoldsTrainOneModelPerFoldAndKeepFinishedOnesOnResume()
    {
        using var dir = new TempDir();
        SyntheticDataset.Write(dir.Path, rows: 30, classes: 3);
        var request = new TrainRequest { Variant = ModelVariant.Vgg2d, DataDirs = [dir.Path], SavePath = dir.File("cv.fstmodel"), Options = Recipe(2) with { Folds = 3, Seed = null } };
        var started = new List<int>();
        var result = ModelTraining.RunFolds(request, new TestObserver { RunStarting = (k, _) => started.Add(k) });

        Assert.Equal([0, 1, 2], started);
        Assert.Equal(["cv.fold1.fstmodel", "cv.fold2.fstmodel", "cv.fold3.fstmodel"], result.Folds.Select(f => Path.GetFileName(f.ModelPath)));
        Assert.All(result.Folds, f => Assert.True(File.Exists(f.ModelPath)));
        Assert.Single(result.Folds.Select(f => f.History.Seed).Distinct());
        Assert.All(result.Map3, m => Assert.InRange(m, 0, 1));
        Assert.Equal(result.Map3.Average(), result.MeanMap3, 12);
        Assert.True(result.StdMap3 >= 0);

        var stamps = result.Folds.Select(f => File.GetLastWriteTimeUtc(f.ModelPath)).ToList();
        var again = ModelTraining.RunFolds(request with { Resume = true });
        Assert.Equal(stamps, again.Folds.Select(f => File.GetLastWriteTimeUtc(f.ModelPath)));
        Assert.Equal(result.Map3, again.Map3);
    }

    [Fact]
    public void AnInterruptedFoldRunKeepsFinishedFoldsAndContinuesTheCurrentOne()
    {
        using var dir = new TempDir();
        SyntheticDataset.Write(dir.Path, rows: 30, classes: 3);
        var request = new TrainRequest { Variant = ModelVariant.Vgg2d, DataDirs = [dir.Path], SavePath = dir.File("cv.fstmodel"), Options = Recipe(2) with { Folds = 3 } };
        using var cancel = new CancellationTokenSource();
        int fold = -1;
        Assert.Throws<OperationCanceledException>(() => ModelTraining.RunFolds(request, new TestObserver
        {
            RunStarting = (k, _) => fold = k,
            Progress = p => { if (fold == 1 && p.Epoch == 2 && p.Step == 1) cancel.Cancel(); },
        }, cancel.Token));
        Assert.True(File.Exists(request.FoldPath(0)));
        Assert.False(File.Exists(request.FoldPath(1)));
        Assert.Equal((1, 1), (TrainingCheckpoint.ReadState(request.FoldPath(1) + ".ckpt").Epoch, TrainingCheckpoint.ReadState(request.FoldPath(1) + ".ckpt").Step));
        var firstFold = File.GetLastWriteTimeUtc(request.FoldPath(0));

        var resumed = ModelTraining.RunFolds(request with { Resume = true });
        var straight = ModelTraining.RunFolds(request with { SavePath = dir.File("straight.fstmodel") });

        Assert.Equal(firstFold, File.GetLastWriteTimeUtc(request.FoldPath(0)));
        // Not MAP@3 itself: it is a ranking, and a near-tie can swap within libtorch's float tolerance.
        Assert.Equal(straight.Folds.Select(f => f.History.Epochs[^1].TrainLoss), resumed.Folds.Select(f => f.History.Epochs[^1].TrainLoss), new Tolerance(1e-5));
    }

    [Fact]
    public void FoldsPartitionTheRowsStratifiedAndBalanced()
    {
        int[] labels = [.. Enumerable.Range(0, 53).Select(i => i % 4)];
        int[] folds = StratifiedSplit.Folds(labels, 5, 3);
        var sizes = folds.GroupBy(f => f).Select(g => g.Count()).ToList();
        Assert.Equal(5, sizes.Count);
        Assert.True(sizes.Max() - sizes.Min() <= 1);
        foreach (var cls in labels.Distinct())
        {
            var perFold = Enumerable.Range(0, 5).Select(k => Enumerable.Range(0, 53).Count(i => labels[i] == cls && folds[i] == k)).ToList();
            Assert.True(perFold.Max() - perFold.Min() <= 1);
        }
        var (train, validation) = StratifiedSplit.Fold(labels, 5, 2, 3);
        Assert.Equal(Enumerable.Range(0, 53), train.Concat(validation).Order());
        Assert.All(validation, i => Assert.Equal(2, folds[i]));
        Assert.Equal(folds, StratifiedSplit.Folds(labels, 5, 3));
    }

    [Fact]
    public void CosineScheduleStartsAtTheRateAndEndsAtZero()
    {
        Assert.Equal(1e-3, LearningRateSchedule.Cosine.RateAt(1e-3, 0, 100), 12);
        Assert.Equal(5e-4, LearningRateSchedule.Cosine.RateAt(1e-3, 50, 100), 12);
        Assert.Equal(0, LearningRateSchedule.Cosine.RateAt(1e-3, 100, 100), 12);
        Assert.Equal(1e-3, LearningRateSchedule.Constant.RateAt(1e-3, 70, 100));
    }

    [Theory]
    [InlineData("crop")]
    [InlineData("crop+bucket")]
    [InlineData("mixup")]
    [InlineData("masks")]
    [InlineData("unverified")]
    [InlineData("schedule")]
    [InlineData("folds")]
    [InlineData("folds+val")]
    [InlineData("noise")]
    [InlineData("degradations-without-crop")]
    public void BadRecipeSettingsAreNamed(string what)
    {
        var options = what switch
        {
            "crop" => Recipe() with { CropSeconds = 0 },
            "crop+bucket" => Recipe() with { Bucket = true },
            "mixup" => Recipe() with { MixupAlpha = -1 },
            "masks" => Recipe() with { SpecAugment = new SpecAugmentOptions(-1, 3, 0, 0) },
            "unverified" => Recipe() with { UnverifiedWeight = 1.5 },
            "schedule" => Recipe() with { Schedule = (LearningRateSchedule)7 },
            "folds" => Recipe() with { Folds = 1 },
            "noise" => Recipe() with { Degradations = RecordingDegradations.None with { Noise = 1.5 } },
            "degradations-without-crop" => Recipe() with { CropSeconds = null, Degradations = RecordingDegradations.None with { Reverb = 0.3 } },
            _ => Recipe() with { Folds = 3, ValidationFraction = 0.2 },
        };
        Assert.Single(options.Problems());
    }

    internal sealed class Progress(Action<TrainingProgress> report) : ITrainingObserver
    {
        public void OnProgress(TrainingProgress value) => report(value);
    }

    private sealed class BatchComparer : IEqualityComparer<Batch>
    {
        public bool Equals(Batch? a, Batch? b) => a!.Rows.SequenceEqual(b!.Rows) && a.Frames == b.Frames && a.Offsets!.SequenceEqual(b.Offsets!) && a.AugmentSeed == b.AugmentSeed;

        public int GetHashCode(Batch batch) => batch.Frames;
    }
}
