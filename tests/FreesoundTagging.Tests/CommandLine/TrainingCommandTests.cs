using FreesoundTagging.Recipes;
using FreesoundTagging.Features;
using FreesoundTagging.Inputs;
using FreesoundTagging.Model;
using FreesoundTagging.Models;
using FreesoundTagging.Tests.Support;
using FreesoundTagging.Training;
using Xunit;

namespace FreesoundTagging.Tests.CommandLine;

/// <summary>model's recipes, best-epoch keeping, per-class outputs and console lines, on real argument lists.</summary>
[Collection(TorchCollection.Name)]
public class TrainingCommandTests
{
    private static string Inputs(TempDir dir)
    {
        var (audio, train, _) = TinyCorpus.Write(dir.Path, perClass: 4);
        var inputs = ConsoleCapture.Run(InputsCommand.Run, audio, train, "--out-dir", dir.Path, "--max-frames", "130");
        Assert.True(inputs.Exit == 0, inputs.Err);
        return dir.Path;
    }

    /// <summary>Trains on <see cref="Inputs"/>' dataset with these arguments (plus --device cpu); the run must succeed.</summary>
    private static (int Exit, string Out, string Err) Trained(TempDir dir, string variant, string save, params string[] args)
    {
        var run = ConsoleCapture.Run(ModelCommand.Run, [variant, dir.File(save), "--data", Inputs(dir), .. args, "--device", "cpu"]);
        Assert.True(run.Exit == 0, run.Err);
        return run;
    }

    [Fact]
    public void TheDistilledRecipeTrainsTowardsATeacherAndNeedsOne()
    {
        using var dir = new TempDir();
        Trained(dir, "cnn_2d_vgg", "teacher.fstmodel", "--recipe", "deep", "--epochs", "1", "--batch-size", "4", "--members", "2", "--tta-shifts", "1", "--seed", "1");
        var run = Trained(dir, "cnn_2d_vgg", "student.fstmodel", "--recipe", "distilled", "--teacher", dir.File("teacher.fstmodel"), "--epochs", "1", "--batch-size", "4", "--seed", "1");
        Assert.Contains("teacher: scoring the 12 clips with teacher.fstmodel", run.Out);
        Assert.Contains("teacher: scored 12 clips", run.Out);
        var history = ModelFile.ReadMetadata(dir.File("student.fstmodel")).History;
        // One network, no test-time shifts, scored on windows of its crop: the best recipe's crops, augmentation and degradations otherwise.
        Assert.Equal((1, 0, (double?)null, 1.28), (history.Options!.Members, history.Options.TtaBandShifts, history.Options.ScoringWindowSeconds, history.Options.CropSeconds));
        Assert.Equal(TrainingRecipe.Best.Apply(new TrainingOptions()).Degradations, history.Options.Degradations);
        Assert.Contains("distilled from teacher.fstmodel (temperature 2, weight 0.7)", history.Recipe);

        // Without a teacher the recipe, or a distillation setting, would train on the labels alone: a command-line mistake.
        foreach (var args in new[] { new[] { "--recipe", "distilled" }, ["--distill-weight", "0.5"], ["--distill-temperature", "3"] })
        {
            var refused = ConsoleCapture.Run(ModelCommand.Run, ["cnn_2d_vgg", dir.File("x.fstmodel"), "--data", dir.Path, .. args, "--device", "cpu"]);
            Assert.Equal(2, refused.Exit);
            Assert.Contains("--teacher", refused.Err);
            Assert.False(File.Exists(dir.File("x.fstmodel")));
        }
        // A teacher made from other features is bad input (exit 3), and nothing is written.
        using var otherDir = new TempDir();
        var (audio, train, _) = TinyCorpus.Write(otherDir.Path, perClass: 4);
        Assert.Equal(0, ConsoleCapture.Run(InputsCommand.Run, audio, train, "--out-dir", otherDir.Path, "--max-frames", "130", "--log-offset", "1e-6").Exit);
        var other = ConsoleCapture.Run(ModelCommand.Run, ["cnn_1d", otherDir.File("other.fstmodel"), "--data", otherDir.Path, "--epochs", "1", "--device", "cpu"]);
        Assert.True(other.Exit == 0, other.Err);
        var mismatch = ConsoleCapture.Run(ModelCommand.Run, ["cnn_2d_vgg", dir.File("y.fstmodel"), "--data", dir.Path, "--recipe", "distilled", "--teacher", otherDir.File("other.fstmodel"), "--epochs", "1", "--device", "cpu"]);
        Assert.Equal(3, mismatch.Exit);
        Assert.Contains("other features", mismatch.Err);
        Assert.False(File.Exists(dir.File("y.fstmodel")));
    }

    [Fact]
    public void TheDeepRecipeExpandsAndTypedOptionsOverrideIt()
    {
        using var dir = new TempDir();
        string data = Inputs(dir);
        var run = ConsoleCapture.Run(ModelCommand.Run, "cnn_1d", dir.File("m.fstmodel"), "--data", data, "--recipe", "deep", "--epochs", "3", "--batch-size", "4",
            "--val-fraction", "0.25", "--keep", "best", "--seed", "1", "--device", "cpu");
        Assert.True(run.Exit == 0, run.Err);

        var history = ModelFile.ReadMetadata(dir.File("m.fstmodel")).History;
        var o = history.Options!;
        Assert.Equal("deep", history.RecipeName);
        // Typed on the command line:
        Assert.Equal((3, 4, 0.25, KeepEpoch.Best, 1), (o.Epochs, o.BatchSize, o.ValidationFraction, o.Keep, o.Seed));
        // From the recipe:
        Assert.Equal((1.28, 0.4, LearningRateSchedule.Cosine), (o.CropSeconds, o.MixupAlpha, o.Schedule));
        Assert.Equal(new SpecAugmentOptions(2, 12, 2, 8), o.SpecAugment);
        Assert.Equal(Trainer.BestEpoch(history.Epochs), history.KeptEpoch);

        // 12 clips, a quarter held out stratified: 9 trained on, 3 validated.
        Assert.Contains("trained on 9 clips, validated on 3", run.Out);
        Assert.Contains("epoch 3/3:", run.Out);
        Assert.Contains("elapsed", run.Out);
        Assert.Contains("left)", run.Out);
        Assert.Contains($"kept epoch {history.KeptEpoch} of 3", run.Out);
        var table = File.ReadAllLines(dir.File("m.fstmodel.perclass.csv"));
        Assert.Equal(1 + TinyCorpus.Classes.Length, table.Length);
        Assert.Equal(3, table.Skip(1).Sum(l => int.Parse(l.Split(',')[1])));
        Assert.True(new FileInfo(dir.File("m.fstmodel.perclass.png")).Length > 1000);
        Assert.True(new FileInfo(dir.File("m.fstmodel.confusion.png")).Length > 1000);
    }

    [Fact]
    public void TheBestRecipesMembersTrainSideBySideAndTheirLinesSayWhichIsWhich()
    {
        using var dir = new TempDir();
        var run = Trained(dir, "cnn_2d_vgg", "b.fstmodel", "--recipe", "best", "--epochs", "2", "--batch-size", "4", "--seed", "1", "--threads", "2");

        var lines = run.Out.Split('\n');
        foreach (string member in new[] { "member 1/3", "member 2/3", "member 3/3" })
        {
            Assert.Contains(member, lines);
            Assert.Contains(lines, l => l.StartsWith($"{member} epoch 2/2:", StringComparison.Ordinal));
        }
        Assert.Contains("3 members (seeds 1, 1000004, 2000007)", run.Out);
        var history = ModelFile.ReadMetadata(dir.File("b.fstmodel")).History;
        Assert.Equal(3, history.MemberElapsedSeconds!.Count);
        // All three at once on 2 threads (one each): the run's time is the members' shared out over the three
        // running together, not their sum.
        Assert.Equal(history.MemberElapsedSeconds.Sum() / 3, history.ElapsedSeconds, 6);
        Assert.False(File.Exists(dir.File("b.member1.fstmodel")));
    }

    [Fact]
    public void TheBestRecipeWarnsOnFeaturesOtherThanItWasChosenOnAndTrainsAnyway()
    {
        using var dir = new TempDir();
        string data = Inputs(dir);
        var plain = ConsoleCapture.Run(ModelCommand.Run, "cnn_2d_vgg", dir.File("a.fstmodel"), "--data", data, "--recipe", "best", "--epochs", "1", "--batch-size", "4", "--seed", "1", "--device", "cpu");
        Assert.True(plain.Exit == 0, plain.Err);
        Assert.Contains("warning", plain.Err);
        Assert.Contains("`inputs --log-reference clip-peak --log-offset 1e-6 --fmin 20 --fmax 16000`; these were made with --log-reference absolute --log-offset 0.001 --fmin 125 --fmax 7500", plain.Err);

        var (audio, train, _) = TinyCorpus.Write(dir.File("chosen"), perClass: 4);
        string chosen = dir.File("chosen/features");
        Directory.CreateDirectory(chosen);
        var inputs = ConsoleCapture.Run(InputsCommand.Run, audio, train, "--out-dir", chosen, "--max-frames", "130", "--log-reference", "clip-peak", "--log-offset", "1e-6", "--fmin", "20", "--fmax", "16000");
        Assert.True(inputs.Exit == 0, inputs.Err);
        var matched = ConsoleCapture.Run(ModelCommand.Run, "cnn_2d_vgg", dir.File("b.fstmodel"), "--data", chosen, "--recipe", "best", "--epochs", "1", "--batch-size", "4", "--seed", "1", "--device", "cpu");
        Assert.True(matched.Exit == 0, matched.Err);
        Assert.DoesNotContain("warning", matched.Err);
        var features = ModelFile.ReadMetadata(dir.File("b.fstmodel")).Features;
        Assert.Equal((LogReference.ClipPeak, 1e-6, 20.0, 16000.0), (features.LogReference, features.LogOffset, features.FMinHz, features.FMaxHz));
        // One setting off is enough, and the warning names only it.
        Assert.Equal("the best recipe was chosen on features made with `inputs --log-reference clip-peak --log-offset 1e-6 --fmin 20 --fmax 16000`; these were made with --fmax 7500",
            TrainingRecipe.FeatureWarning("best", features with { FMaxHz = 7500 }));
        // Only the best recipe was chosen on those features.
        var deep = ConsoleCapture.Run(ModelCommand.Run, "cnn_2d_vgg", dir.File("c.fstmodel"), "--data", data, "--recipe", "deep", "--epochs", "1", "--batch-size", "4", "--seed", "1", "--device", "cpu");
        Assert.True(deep.Exit == 0, deep.Err);
        Assert.DoesNotContain("warning", deep.Err);
    }

    [Fact]
    public void ARecipeFileIsExpandedAndTheCommandLineWins()
    {
        using var dir = new TempDir();
        string data = Inputs(dir);
        string recipe = dir.Write("mine.json", "{ \"epochs\": 2, \"mixup\": 0.2, \"batch-size\": 4, \"schedule\": \"cosine\" }");
        var run = ConsoleCapture.Run(ModelCommand.Run, "cnn_1d", dir.File("m.fstmodel"), "--data", data, "--recipe", recipe, "--mixup", "0.3", "--device", "cpu");
        Assert.True(run.Exit == 0, run.Err);
        var history = ModelFile.ReadMetadata(dir.File("m.fstmodel")).History;
        Assert.Equal((2, 4, 0.3, LearningRateSchedule.Cosine, recipe), (history.Options!.Epochs, history.Options.BatchSize, history.Options.MixupAlpha, history.Options.Schedule, history.RecipeName));
        Assert.Contains("trained on 12 clips", run.Out);
        Assert.DoesNotContain("validated", run.Out);
        Assert.False(File.Exists(dir.File("m.fstmodel.perclass.csv")));

        // One more epoch on top: the run says where it resumes.
        var more = ConsoleCapture.Run(ModelCommand.Run, "cnn_1d", dir.File("m.fstmodel"), "--data", data, "--recipe", recipe, "--mixup", "0.3", "--epochs", "3", "--device", "cpu", "--resume");
        Assert.True(more.Exit == 0, more.Err);
        Assert.Contains("resuming from epoch 3\n", more.Out.ReplaceLineEndings("\n"));
        Assert.Contains("epoch 3/3:", more.Out);
    }

    [Fact]
    public void WithoutARecipeTheDefaultsAreTheOriginalOnes()
    {
        Assert.Equal(new TrainingOptions(), TrainingRecipe.Resolve("original").Apply(new TrainingOptions()));
        var deep = TrainingRecipe.Deep.Apply(new TrainingOptions());
        Assert.Equal((80, 32, 1.28, 0.4, LearningRateSchedule.Cosine), (deep.Epochs, deep.BatchSize, deep.CropSeconds, deep.MixupAlpha, deep.Schedule));
        Assert.Equal(new SpecAugmentOptions(2, 12, 2, 8), deep.SpecAugment);
        Assert.Equal(["epochs", "batch-size", "crop", "mixup", "time-masks", "time-mask-frames", "freq-masks", "freq-mask-bands", "schedule"], TrainingRecipe.Deep.Keys);
        var best = TrainingRecipe.Resolve("best").Apply(new TrainingOptions());
        Assert.Equal(deep with { Members = 3, TtaBandShifts = 1, ScoringWindowSeconds = 5.12, Degradations = new RecordingDegradations(0.15, 0.15, 0.15, 0.15, 0.15) }, best);
        Assert.Contains("degraded: background 0.15, reverb 0.15, filter 0.15, noise 0.15, DC offset 0.15", best.Describe("cnn_2d_vgg"));
    }

    [Theory]
    [InlineData("{ \"epochz\": 2 }", "epochz")]
    [InlineData("{ \"epochs\": \"many\" }", "recipe file")]
    [InlineData("not json", "recipe file")]
    public void ABadRecipeFileIsOneLineNamingIt(string content, string expected)
    {
        using var dir = new TempDir();
        string recipe = dir.Write("bad.json", content);
        var r = ConsoleCapture.Run(ModelCommand.Run, "cnn_1d", dir.File("m.fstmodel"), "--data", dir.Path, "--recipe", recipe);
        Assert.Equal(3, r.Exit);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.Contains("bad.json", r.Err);
        Assert.Contains(expected, r.Err);
        var unknown = ConsoleCapture.Run(ModelCommand.Run, "cnn_1d", dir.File("m.fstmodel"), "--data", dir.Path, "--recipe", "fastest.json");
        Assert.Equal(3, unknown.Exit);
        Assert.Contains("neither a recipe name (original, deep, best, distilled) nor a recipe file", unknown.Err);
    }

    [Theory]
    [InlineData("--keep", "best")]
    [InlineData("--patience", "3")]
    public void KeepBestAndPatienceWithoutValidationAreOneLineErrors(params string[] extra)
    {
        using var dir = new TempDir();
        var r = ConsoleCapture.Run(ModelCommand.Run, ["cnn_1d", dir.File("m.fstmodel"), "--data", dir.Path, .. extra]);
        Assert.Equal(3, r.Exit);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.Contains("needs a validation set: add --val-fraction F or --folds K", r.Err);
        Assert.Empty(dir.Files());
    }

    [Theory]
    [InlineData("needs --val-fraction F")]
    [InlineData("and --folds do not combine", "--folds", "2")]
    public void ValVerifiedOnlyWithoutAShareToHoldOutIsAOneLineError(string expected, params string[] extra)
    {
        using var dir = new TempDir();
        var r = ConsoleCapture.Run(ModelCommand.Run, ["cnn_1d", dir.File("m.fstmodel"), "--data", dir.Path, "--val-verified-only", .. extra]);
        Assert.Equal(3, r.Exit);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.Contains("--val-verified-only " + expected, r.Err);
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void ValVerifiedOnlyIsRecordedAndTakenFromARecipeFile()
    {
        using var dir = new TempDir();
        string data = Inputs(dir);
        File.WriteAllText(dir.File("r.json"), """{ "val-fraction": 0.5, "val-verified-only": true, "epochs": 1, "batch-size": 4 }""");
        var run = ConsoleCapture.Run(ModelCommand.Run, "cnn_1d", dir.File("m.fstmodel"), "--data", data, "--recipe", dir.File("r.json"), "--seed", "1", "--device", "cpu");
        Assert.True(run.Exit == 0, run.Err);
        var history = ModelFile.ReadMetadata(dir.File("m.fstmodel")).History;
        Assert.True(history.Options!.ValidateVerifiedOnly);
        Assert.Contains("validation 0.5 of verified rows", history.Recipe);
        // TinyCorpus: 3 classes of 4 clips, 3 of them verified: round(0.5 × 3) = 2 of each class held out.
        Assert.Contains("trained on 6 clips, validated on 6", run.Out);
    }

    [Fact]
    public void FoldsWithKeepBestWriteOutOfFoldPerClassResults()
    {
        using var dir = new TempDir();
        var run = Trained(dir, "cnn_1d", "cv.fstmodel", "--folds", "2", "--epochs", "2", "--batch-size", "4", "--keep", "best", "--seed", "1");
        string data = dir.Path;
        Assert.Contains("fold 2/2 epoch 2/2:", run.Out);
        Assert.Contains("trained on 6 clips, validated on 6", run.Out);
        Assert.Contains("out-of-fold MAP@3", run.Out);
        var table = File.ReadAllLines(dir.File("cv.fstmodel.perclass.csv"));
        Assert.Equal(12, table.Skip(1).Sum(l => int.Parse(l.Split(',')[1])));
        Assert.True(File.Exists(dir.File("cv.fstmodel.confusion.png")));

        // Resumed with every fold finished: the out-of-fold results are rebuilt from the saved models.
        File.Delete(dir.File("cv.fstmodel.perclass.csv"));
        var again = ConsoleCapture.Run(ModelCommand.Run, "cnn_1d", dir.File("cv.fstmodel"), "--data", data, "--folds", "2", "--epochs", "2", "--batch-size", "4",
            "--keep", "best", "--seed", "1", "--device", "cpu", "--resume");
        Assert.True(again.Exit == 0, again.Err);
        Assert.Equal(table, File.ReadAllLines(dir.File("cv.fstmodel.perclass.csv")));
    }

    [Fact]
    public void TerminalEpochLinesFitEightyColumns()
    {
        int budget = EpochLine.Budget(80);
        // The description plus the bar, percentage, elapsed and remaining columns and their spaces.
        Assert.Equal(80, budget + EpochLine.BarWidth + 4 + 7 + 7 + 5);
        var p = new TrainingProgress(100, 100, 999, 999, 12.345, 0.999, 123.4);
        var e = new EpochRecord(100, 12.345, 0.999, 12.345, 0.999, 0.999, 12);
        foreach (string stage in new[] { "", "fold 10/10 " })
        {
            Assert.InRange(EpochLine.Running(stage, p, budget).Length, 1, budget);
            Assert.InRange(EpochLine.Finished(stage, e, 100, budget).Length, 1, budget);
            Assert.Contains("MAP@3 0.999", EpochLine.Finished(stage, e, 100, budget));
            Assert.StartsWith($"{stage}epoch 100/100", EpochLine.Running(stage, p, budget));
        }
        Assert.Contains("steps/s", EpochLine.Running("", p, EpochLine.Budget(140)));
    }

    [Fact]
    public void TheRunClockCountsTheEpochsOfRunsThatOverlap()
    {
        var clock = new RunClock(epochs: 2, runs: 3);
        // Members 1 and 2 side by side, then member 3.
        Assert.Equal(0.5, clock.EpochsDone(0, 0.5));
        Assert.Equal(1.0, clock.EpochsDone(1, 0.5));
        clock.EpochDone(0, new EpochRecord(1, 1, 0));
        clock.EpochDone(1, new EpochRecord(1, 1, 0));
        clock.EpochDone(0, new EpochRecord(2, 1, 0));
        Assert.Equal(3.5, clock.EpochsDone(1, 1.5));
        var (_, left) = clock.EpochDone(1, new EpochRecord(2, 1, 0));
        Assert.True(left > TimeSpan.Zero);
        Assert.Equal(4.0, clock.EpochsDone(2, 0));
        Assert.Equal(TimeSpan.Zero, clock.EpochDone(2, new EpochRecord(2, 1, 0)).Left);
    }

    [Fact]
    public void ARunFoundFinishedOnResumingCountsAsDone()
    {
        var clock = new RunClock(epochs: 4, runs: 2);
        // Member 1 reported no epochs (it was finished before the resume); member 2 resumes at epoch 3.
        clock.Finished(0);
        Assert.Equal(6.0, clock.EpochsDone(1, 2));
        Assert.Equal(TimeSpan.Zero, clock.EpochDone(1, new EpochRecord(4, 1, 0)).Left);
    }
}
