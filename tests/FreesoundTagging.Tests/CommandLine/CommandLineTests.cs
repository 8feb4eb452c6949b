using FreesoundTagging.Inputs;
using FreesoundTagging.Model;
using FreesoundTagging.Predict;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.CommandLine;

/// <summary>The three commands, run in-process on real argument lists.</summary>
[Collection(TorchCollection.Name)]
public class CommandLineTests
{
    [Fact]
    public void QuickStartRunsInputsModelPredictEndToEnd()
    {
        using var dir = new TempDir();
        var (audio, train, rows) = TinyCorpus.Write(dir.Path, perClass: 4);
        string template = dir.Write("sample_submission.csv", "fname,label\n" + string.Join("\n", rows.Select(r => $"{r.Fname},Low Mid High")) + "\n");
        string truth = dir.Write("truth.csv", "fname,label\n" + string.Join("\n", rows.Select(r => $"{r.Fname},{r.Label}")) + "\n");

        var inputs = ConsoleCapture.Run(InputsCommand.Run, audio, train, "--out-dir", dir.Path, "--max-frames", "130");
        Assert.True(inputs.Exit == 0, inputs.Err);
        Assert.Contains("samples.npy (12, 130, 64)", inputs.Out);

        var model = ConsoleCapture.Run(ModelCommand.Run, "cnn_1d", dir.File("m.fstmodel"), "--data", dir.Path, "--epochs", "12", "--batch-size", "4", "--seed", "2", "--lr", "0.003", "--device", "cpu");
        Assert.True(model.Exit == 0, model.Err);
        Assert.Contains("epoch 12/12:", model.Out);
        Assert.True(File.Exists(dir.File("m.fstmodel.curves.png")));

        var predict = ConsoleCapture.Run(PredictCommand.Run, dir.File("m.fstmodel"), audio, template, train, dir.File("submission.csv"), "--truth", truth);
        Assert.True(predict.Exit == 0, predict.Err);
        Assert.Equal(rows.Count + 1, File.ReadAllLines(dir.File("submission.csv")).Length);
        // Three well-separated tones: a trained model must do far better than chance (MAP@3 0.61 for 3 classes).
        var map = double.Parse(predict.Out.Split("MAP@3 ")[1].Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(map > 0.8, predict.Out);
    }

    [Fact]
    public void FoldsOfTheDeepRecipeThenAnEnsembleSubmission()
    {
        using var dir = new TempDir();
        var (audio, train, rows) = TinyCorpus.Write(dir.Path, perClass: 4);
        string template = dir.Write("sample_submission.csv", "fname,label\n" + string.Join("\n", rows.Select(r => $"{r.Fname},Low Mid High")) + "\n");
        string truth = dir.Write("truth.csv", "fname,label\n" + string.Join("\n", rows.Select(r => $"{r.Fname},{r.Label}")) + "\n");
        Assert.Equal(0, ConsoleCapture.Run(InputsCommand.Run, audio, train, "--out-dir", dir.Path, "--max-frames", "130").Exit);

        var model = ConsoleCapture.Run(ModelCommand.Run, "cnn_2d_vgg", dir.File("cv.fstmodel"), "--data", dir.Path, "--folds", "3", "--epochs", "3", "--batch-size", "4",
            "--crop", "0.3", "--mixup", "0.2", "--time-masks", "1", "--time-mask-frames", "4", "--freq-masks", "1", "--freq-mask-bands", "4",
            "--unverified-weight", "0.5", "--schedule", "cosine", "--seed", "2", "--device", "cpu");
        Assert.True(model.Exit == 0, model.Err);
        Assert.Contains("fold 3/3", model.Out);
        Assert.Contains("3-fold validation MAP@3", model.Out);
        string[] folds = [dir.File("cv.fold1.fstmodel"), dir.File("cv.fold2.fstmodel"), dir.File("cv.fold3.fstmodel")];
        Assert.All(folds, f => Assert.True(File.Exists(f), f));

        var predict = ConsoleCapture.Run(PredictCommand.Run, [.. folds, audio, template, train, dir.File("submission.csv"), "--mean", "geometric", "--truth", truth]);
        Assert.True(predict.Exit == 0, predict.Err);
        Assert.Equal(rows.Count + 1, File.ReadAllLines(dir.File("submission.csv")).Length);
        Assert.Contains("MAP@3", predict.Out);

        var tags = ConsoleCapture.Run(PredictCommand.Run, folds[0], folds[1], audio);
        Assert.True(tags.Exit == 0, tags.Err);
        Assert.Equal(rows.Count + 1, tags.Out.Trim().Split('\n').Length); // TSV: a header, then a row per file
    }

    [Theory]
    [InlineData(3, "--folds", "3", "--val-fraction", "0.2")]
    [InlineData(2, "--crop", "-1")]
    [InlineData(2, "--schedule", "step")]
    [InlineData(2, "--unverified-weight", "2")]
    public void BadRecipeSettingsAreOneLineErrors(int exit, params string[] extra)
    {
        // Out-of-range values are the parser's (exit 2, plus the --help hint); settings that do not combine are the core's (exit 3).
        using var dir = new TempDir();
        var r = ConsoleCapture.Run(ModelCommand.Run, ["cnn_2d_vgg", dir.File("m.fstmodel"), "--data", dir.Path, .. extra]);
        Assert.Equal(exit, r.Exit);
        Assert.StartsWith("error: ", r.Err);
        Assert.Equal(exit == 2 ? 2 : 1, r.Err.Trim().Split('\n').Length);
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void BadInputIsOneLineOnStderrAndExitCode3()
    {
        using var dir = new TempDir();
        var r = ConsoleCapture.Run(InputsCommand.Run, dir.File("missing_dir"), dir.File("train.csv"), "--out-dir", dir.Path);
        Assert.Equal(3, r.Exit);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.StartsWith("error: ", r.Err);
        Assert.Contains("missing_dir", r.Err);
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void UnknownVariantNamesTheValidOnes()
    {
        using var dir = new TempDir();
        var r = ConsoleCapture.Run(ModelCommand.Run, "resnet", dir.File("m.fstmodel"), "--data", dir.Path);
        Assert.Equal(2, r.Exit);
        Assert.Contains("cnn_1d_dropout", r.Err);
    }

    [Fact]
    public void MissingArraysSayToRunInputsFirst()
    {
        using var dir = new TempDir();
        var r = ConsoleCapture.Run(ModelCommand.Run, "cnn_1d", dir.File("m.fstmodel"), "--data", dir.Path);
        Assert.Equal(3, r.Exit);
        Assert.Contains("run `inputs` first", r.Err);
    }

    [Theory]
    [InlineData("--no-such-option")]
    [InlineData("--dtype", "float16")]
    [InlineData("--shard", "3/2")]
    public void UsageErrorsAreReported(params string[] extra)
    {
        using var dir = new TempDir();
        TinyCorpus.Write(dir.Path, perClass: 1);
        var r = ConsoleCapture.Run(InputsCommand.Run, [dir.File("audio_train"), dir.File("train.csv"), "--out-dir", dir.Path, .. extra]);
        Assert.NotEqual(0, r.Exit);
        Assert.Contains("error", r.Err);
        Assert.False(File.Exists(dir.File("samples.npy")));
    }

    [Fact]
    public void ASubmissionNeedsFourPathsAfterTheModel()
    {
        using var dir = new TempDir();
        var r = ConsoleCapture.Run(PredictCommand.Run, "m.fstmodel", "audio_test", "sample_submission.csv", "out.csv");
        Assert.Equal(3, r.Exit);
        Assert.Contains("needs <audio_test_dir>", r.Err);
    }
}
