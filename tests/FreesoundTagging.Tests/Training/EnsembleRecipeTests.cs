using FreesoundTagging.Features;
using FreesoundTagging.Inference;
using FreesoundTagging.Jobs;
using FreesoundTagging.Metrics;
using FreesoundTagging.Models;
using FreesoundTagging.Recipes;
using FreesoundTagging.Runtime;
using FreesoundTagging.Scoring;
using FreesoundTagging.Tests.Support;
using FreesoundTagging.Torch;
using FreesoundTagging.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Training;

/// <summary>The ingredients of the best recipe: seed ensembles in one file (--members), label smoothing and
/// denser scoring windows (--windows-per-crop).</summary>
[Collection(TorchCollection.Name)]
public class EnsembleRecipeTests
{
    public EnsembleRecipeTests() => TorchRuntime.Initialise(1);

    // Crops and the cosine schedule, without the augmentation: the members' differences come from their seeds alone.
    private static TrainingOptions Recipe(int epochs = 2) =>
        RecipeTests.Recipe(epochs) with { MixupAlpha = 0, SpecAugment = SpecAugmentOptions.None, UnverifiedWeight = 1 };

    [Fact]
    public void AnEnsembleOutputsTheLogOfItsMembersMeanProbabilities()
    {
        torch.manual_seed(3);
        using var ensemble = (MemberAverage)MemberAverage.Create(ModelVariant.Vgg2d, 3, 16, 5);
        ensemble.eval();
        using var input = randn(4, 20, 16);
        using var _ = no_grad();
        using var probabilities = nn.functional.softmax(ensemble.forward(input), 1);
        using var expected = stack(ensemble.Members.Select(m => nn.functional.softmax(m.forward(input), 1)).ToArray()).mean([0]);
        Assert.Equal(expected.data<float>().ToArray(), probabilities.data<float>().ToArray(), new Tolerance(1e-5));
        Assert.All(ensemble.state_dict().Keys, k => Assert.Matches(@"^members\.[0-2]\.", k));
        Assert.Equal(3 * ModelVariant.Vgg2d.ParameterCount(16, 5), ensemble.ParameterCount());
    }

    [Fact]
    public void AnEnsembleFileRoundTripsAndSaysHowManyMembersItHolds()
    {
        using var dir = new TempDir();
        torch.manual_seed(4);
        using var ensemble = MemberAverage.Create(ModelVariant.Vgg2d, 2, 16, 3);
        ensemble.eval();
        var features = FeatureConfig.Original with { MelCount = 16, MaxFrames = 40 };
        ModelFile.Save(dir.File("e.fstmodel"), ensemble, ["a", "b", "c"], features, windowFrames: 10, windowHopFrames: 3);

        var metadata = ModelFile.ReadMetadata(dir.File("e.fstmodel"));
        Assert.Equal(2, metadata.Members);
        Assert.Equal(3, metadata.WindowHopFrames);
        using var loaded = ModelFile.Load(dir.File("e.fstmodel"));
        var members = Assert.IsType<MemberAverage>(loaded.Model).Members;
        Assert.Equal(2, members.Count);
        using var input = randn(2, 12, 16);
        using var _ = no_grad();
        loaded.Model.eval();
        Assert.Equal(ensemble.forward(input).data<float>().ToArray(), loaded.Model.forward(input).data<float>().ToArray(), new Tolerance(1e-6));
        var info = string.Join("\n", ModelInfo.Read(dir.File("e.fstmodel")).ToLines());
        Assert.Contains($"an ensemble of 2 networks ({2 * ModelVariant.Vgg2d.ParameterCount(16, 3):N0} parameters in all)", info);
        Assert.Contains("hop 3 frames", info);
        // predict scores each member on its own, then averages them with the other models of the run.
        Assert.Equal(2, ClipScorer.ForEachMember(loaded, 4).Count());
        Assert.All(ClipScorer.ForEachMember(loaded, 4), s => Assert.Equal(3, s.WindowHopFrames));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(65)]
    public void AFileClaimingAnImpossibleMemberCountIsRefusedBeforeAnyNetworkIsBuilt(int members)
    {
        using var dir = new TempDir();
        var features = FeatureConfig.Original with { MelCount = 16, MaxFrames = 40 };
        var metadata = new ModelMetadata(ModelVariant.Vgg2d.Name, ["a", "b"], features, TrainingHistory.Empty, 10, null, members);
        File.WriteAllBytes(dir.File("m.fstmodel"), ModelFile.Pack(ModelFile.SerializeMetadata(metadata), new byte[16]));
        var e = Assert.Throws<InvalidModelException>(() => ModelFile.Load(dir.File("m.fstmodel")));
        Assert.Contains("2 to 64 members", e.Message);
    }

    [Fact]
    public void AHopLongerThanTheWindowIsRefused()
    {
        using var dir = new TempDir();
        var features = FeatureConfig.Original with { MelCount = 16, MaxFrames = 40 };
        var metadata = new ModelMetadata(ModelVariant.Vgg2d.Name, ["a", "b"], features, TrainingHistory.Empty, 10, 11);
        File.WriteAllBytes(dir.File("m.fstmodel"), ModelFile.Pack(ModelFile.SerializeMetadata(metadata), new byte[16]));
        Assert.Contains("window hop", Assert.Throws<InvalidModelException>(() => ModelFile.Load(dir.File("m.fstmodel"))).Message);
    }

    [Fact]
    public void MembersTrainOnOneSplitAndJoinIntoOneFileWhoseFirstMemberIsTheSingleRun()
    {
        using var dir = new TempDir();
        SyntheticDataset.Write(dir.Path, rows: 32, classes: 4);
        var options = Recipe() with { ValidationFraction = 0.25, WindowsPerCrop = 5 };
        var single = ModelTraining.Run(new TrainRequest { Variant = ModelVariant.Vgg2d, DataDirs = [dir.Path], SavePath = dir.File("single.fstmodel"), Options = options });
        var request = new TrainRequest { Variant = ModelVariant.Vgg2d, DataDirs = [dir.Path], SavePath = dir.File("e.fstmodel"), Options = options with { Members = 3 } };
        var started = new List<(int, int)>();
        var joined = ModelTraining.Run(request, new TestObserver { RunStarting = (k, n) => started.Add((k, n)) });

        Assert.Equal([(0, 3), (1, 3), (2, 3)], started);
        // Only the joined file is left of the members' files.
        foreach (int k in new[] { 0, 1, 2 })
        {
            Assert.False(File.Exists(request.MemberPath(k)));
            Assert.False(File.Exists(request.MemberPath(k) + ".ckpt"));
        }
        var metadata = ModelFile.ReadMetadata(joined.ModelPath);
        Assert.Equal(3, metadata.Members);
        Assert.Equal(2, metadata.WindowHopFrames); // 10-frame crops, 5 windows per crop
        Assert.Equal(3, metadata.History.MemberElapsedSeconds!.Count);
        Assert.Equal(single.ValidationRows, joined.ValidationRows);
        Assert.Equal(single.Validation!.Rows, joined.Validation!.Rows);
        Assert.NotNull(metadata.History.EnsembleValidationMap3);
        Assert.Equal(single.History.Kept!.MeanAveragePrecisionAt3!.Value, metadata.History.MemberValidationMap3![0], 6);

        using var first = ModelFile.Load(single.ModelPath);
        using var ensemble = ModelFile.Load(joined.ModelPath);
        var members = ((MemberAverage)ensemble.Model).Members;
        var firstWeights = first.Model.state_dict();
        foreach (var (name, value) in members[0].state_dict())
            Assert.Equal(firstWeights[name].to_type(ScalarType.Float64).data<double>().ToArray(), value.to_type(ScalarType.Float64).data<double>().ToArray(), new Tolerance(1e-5));
        // Other members had other seeds.
        Assert.NotEqual(members[0].state_dict().First().Value.data<float>().ToArray(), members[1].state_dict().First().Value.data<float>().ToArray());
    }

    [Fact]
    public void AResumedEnsembleRunKeepsItsFinishedMembers()
    {
        using var dir = new TempDir();
        SyntheticDataset.Write(dir.Path, rows: 24, classes: 3);
        var request = new TrainRequest { Variant = ModelVariant.Vgg2d, DataDirs = [dir.Path], SavePath = dir.File("e.fstmodel"), Options = Recipe() with { Members = 2 } };
        using var cancel = new CancellationTokenSource();
        // Cancel as member 2 starts its first step: member 1 is finished and must not be trained again.
        int epochsSeen = 0;
        Assert.Throws<OperationCanceledException>(() => ModelTraining.Run(request, new TestObserver { Progress = _ => { if (epochsSeen >= 2) cancel.Cancel(); }, Epoch = _ => epochsSeen++ },
            cancel.Token));
        Assert.True(File.Exists(request.MemberPath(0)));
        byte[] member1 = File.ReadAllBytes(request.MemberPath(0));

        var trainedAgain = new List<int>();
        var result = ModelTraining.Run(request with { Resume = true }, new TestObserver { RunStarting = (k, _) => trainedAgain.Add(k), Epoch = _ => trainedAgain.Add(-1) });
        Assert.Equal(2, ModelFile.ReadMetadata(result.ModelPath).Members);
        // Member 1 started (and was found finished: no epochs ran for it), member 2 ran its remaining epochs.
        Assert.Equal(0, trainedAgain[0]);
        Assert.Equal(1, trainedAgain[1]);
        Assert.NotEmpty(member1);
    }

    [Fact]
    public void ResumingAFinishedEnsembleIsRefusedAndLeavesItsFileAsItWas()
    {
        using var dir = new TempDir();
        SyntheticDataset.Write(dir.Path, rows: 24, classes: 3);
        var request = new TrainRequest { Variant = ModelVariant.Vgg2d, DataDirs = [dir.Path], SavePath = dir.File("e.fstmodel"), Options = Recipe() with { Members = 2 } };
        ModelTraining.Run(request);
        byte[] finished = File.ReadAllBytes(request.SavePath);

        // Its members' checkpoints went when they were joined: resumed, every member would train afresh over it.
        var trained = new List<int>();
        var refused = Assert.Throws<InvalidModelException>(() => ModelTraining.Run(request with { Resume = true }, new TestObserver { RunStarting = (k, _) => trained.Add(k) }));
        Assert.Contains("this ensemble run has finished", refused.Message);
        Assert.Contains("run without --resume to train it again", refused.Message);
        Assert.Empty(trained);
        Assert.Equal(finished, File.ReadAllBytes(request.SavePath));
    }

    [Fact]
    public void ResumingMembersThatNeverCheckpointedIsRefusedAsASingleRunIs()
    {
        using var dir = new TempDir();
        SyntheticDataset.Write(dir.Path, rows: 24, classes: 3);
        var request = new TrainRequest { Variant = ModelVariant.Vgg2d, DataDirs = [dir.Path], SavePath = dir.File("e.fstmodel"), Options = Recipe() with { Members = 2 }, Resume = true };
        var refused = Assert.Throws<InvalidModelException>(() => ModelTraining.Run(request));
        Assert.Contains("checkpoint not found (nothing to resume): none of the 2 members has one", refused.Message);
        Assert.False(File.Exists(request.SavePath));
    }

    [Fact]
    public void LabelSmoothingMovesEpsilonOfEachTargetOntoAllClasses()
    {
        var targets = new float[] { 0, 1, 0, 0, 0.25f, 0.75f, 0, 0 };
        BatchAugmenter.Apply(Augmentation.None with { LabelSmoothing = 0.2 }, new Random(1), 2, 1, 1, 4, new float[2], targets, new float[] { 1, 1 });
        Assert.Equal(new[] { 0.05f, 0.85f, 0.05f, 0.05f, 0.8f * 0.25f + 0.05f, 0.8f * 0.75f + 0.05f, 0.05f, 0.05f }, targets);
        Assert.Equal(1.0, targets[..4].Sum(), 6);
    }

    [Fact]
    public void WindowsPerCropSetTheScoringHop()
    {
        var features = FeatureConfig.Original;
        Assert.Null(new TrainingOptions().WindowHopFrames(features));
        Assert.Equal(64, (new TrainingOptions { CropSeconds = 1.28 }).WindowHopFrames(features));
        Assert.Equal(32, (new TrainingOptions { CropSeconds = 1.28, WindowsPerCrop = 4 }).WindowHopFrames(features));
        Assert.Equal(128, (new TrainingOptions { CropSeconds = 1.28, WindowsPerCrop = 1 }).WindowHopFrames(features));
        var scorer = new ClipScorer(new MaxLinearModel(16, 2), features with { MelCount = 16 }, windowFrames: 10, lengthBucketed: false, batchSize: 4, windowHopFrames: 2);
        Assert.Equal(2, scorer.WindowHopFrames);
        Assert.Equal([0, 2, 4, 6, 8, 10], ClipCrop.WindowStarts(20, 10, scorer.WindowHopFrames!.Value));
    }

    [Fact]
    public void AScoringWindowSetsTheWindowsAndTheirHop()
    {
        var features = FeatureConfig.Original;
        var crop = new TrainingOptions { CropSeconds = 1.28 };
        Assert.Equal((128, 64), (crop.ScoringWindowFrames(features), crop.WindowHopFrames(features)));
        Assert.Equal((512, 256), ((crop with { ScoringWindowSeconds = 5.12 }).ScoringWindowFrames(features), (crop with { ScoringWindowSeconds = 5.12 }).WindowHopFrames(features)));
        Assert.Equal(128, (crop with { ScoringWindowSeconds = 5.12, WindowsPerCrop = 4 }).WindowHopFrames(features));
        Assert.Null(new TrainingOptions().ScoringWindowFrames(features));
        Assert.Contains((new TrainingOptions { ScoringWindowSeconds = 2 }).Problems(), p => p.Contains("--score-window needs --crop"));
        Assert.Contains((crop with { ScoringWindowSeconds = 0 }).Problems(), p => p.Contains("--score-window: must be more than 0 and at most 600 seconds (got 0)"));
        // A pass holds as many frames whatever the window (predict's memory does not grow with it), at least one window.
        Assert.Equal((64, 32, 16, 64, 1), (ClipScorer.WindowsPerPass(32, 128), ClipScorer.WindowsPerPass(32, 256), ClipScorer.WindowsPerPass(32, 512),
            ClipScorer.WindowsPerPass(32, 64), ClipScorer.WindowsPerPass(1, 100_000)));
    }

    /// <summary>The file records the scoring window, not the crop; validation during training and predict both score
    /// windows of that length, so the validation loss and MAP@3 of the last epoch are predict's on the same clips.</summary>
    [Fact]
    public void ALongerScoringWindowIsWhatValidationAndPredictScore()
    {
        using var dir = new TempDir();
        SyntheticDataset.Write(dir.Path, rows: 32, classes: 4);
        var options = Recipe(epochs: 6) with { ValidationFraction = 0.25, ScoringWindowSeconds = 0.3 };
        var result = ModelTraining.Run(new TrainRequest { Variant = ModelVariant.Vgg2d, DataDirs = [dir.Path], SavePath = dir.File("m.fstmodel"), Options = options });

        var metadata = ModelFile.ReadMetadata(result.ModelPath);
        Assert.Equal((30, 15), (metadata.WindowFrames, metadata.WindowHopFrames));
        var info = ModelInfo.Read(result.ModelPath);
        Assert.Equal((0.1, 0.3), (info.CropSeconds, info.WindowSeconds));
        Assert.Contains(info.ToLines(), l => l.Contains("windows of 0.3 s (its training crop is 0.1 s), half-window hop, averaged"));
        using var loaded = ModelFile.Load(result.ModelPath);
        var scorer = ClipScorer.For(loaded, batchSize: 8);
        Assert.Equal((30, 15), (scorer.WindowFrames, scorer.WindowHopFrames));
        loaded.Model.eval();
        // The same rows scored by the saved model as predict scores them, against the last epoch's validation MAP@3.
        using var data = FreesoundTagging.Datasets.TrainingSet.Open([FreesoundTagging.Datasets.DatasetFiles.In(dir.Path)]);
        int[] rows = result.Validation!.Rows.ToArray();
        var probabilities = scorer.Score(rows.Select(data.ReadClip).ToList(), torch.CPU);
        float[] scores = probabilities.SelectMany(p => p).ToArray();
        var truth = rows.Select(r => data.Labels[r]).ToList();
        Assert.Equal(result.History.Kept!.MeanAveragePrecisionAt3!.Value, RankingMetrics.MeanAveragePrecisionAt3(scores, data.Classes.Count, truth), 6);
        // The loss is the finer check: a few clips can rank alike under other windows, their probabilities do not.
        double loss = rows.Select((r, i) => -Math.Log(Math.Max(probabilities[i][truth[i]], 1e-12))).Average();
        Assert.Equal(result.History.Kept!.ValidationLoss!.Value, loss, 6);
        // And it is not the crop-window score under another name.
        var cropScorer = new ClipScorer(loaded.Model, loaded.Features, 10, false, 8, 5);
        Assert.NotEqual(scores, cropScorer.Score(rows.Select(data.ReadClip).ToList(), torch.CPU).SelectMany(p => p).ToArray());
    }

    [Fact]
    public void TheOptionsOfTheNewIngredientsAreChecked()
    {
        Assert.Contains(Recipe() with { Members = 0 } is var o ? o.Problems() : [], p => p.Contains("--members: must be 1 to 64 networks (got 0)"));
        Assert.Contains((Recipe() with { Members = 2, Folds = 3 }).Problems(), p => p.Contains("--members and --folds do not combine"));
        Assert.Contains((Recipe() with { LabelSmoothing = 1 }).Problems(), p => p.Contains("--label-smoothing:"));
        Assert.Contains((Recipe() with { WindowsPerCrop = 0 }).Problems(), p => p.Contains("--windows-per-crop: must be 1 to 64 windows"));
    }

    private sealed class InlineProgress(Action report) : ITrainingObserver
    {
        public void OnProgress(TrainingProgress value) => report();
    }
}
