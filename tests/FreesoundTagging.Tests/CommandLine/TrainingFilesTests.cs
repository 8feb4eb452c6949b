using System.Globalization;
using FreesoundTagging.Recipes;
using FreesoundTagging.Tests.Support;
using FreesoundTagging.Training;
using Xunit;
using FreesoundTagging.Jobs;

namespace FreesoundTagging.Tests.CommandLine;

/// <summary>What a training run leaves beside the model: the per-epoch history CSV, and the checkpoint (said why).</summary>
[Collection(TorchCollection.Name)]
public class TrainingFilesTests
{
    [Fact]
    public void TheHistoryCsvHasOneRowPerEpochWrittenAsEachEnds()
    {
        using var dir = new TempDir();
        SyntheticDataset.Write(dir.Path, rows: 12, classes: 3);
        string save = dir.File("m.fstmodel");
        var rowsSeen = new List<int>();
        var request = new TrainRequest
        {
            Variant = FreesoundTagging.Models.ModelVariant.Vgg2d, DataDirs = [dir.Path], SavePath = save,
            Options = FreesoundTagging.Tests.Training.RecipeTests.Recipe(epochs: 3) with { ValidationFraction = 0.5, Schedule = LearningRateSchedule.Cosine },
        };

        ModelTraining.Run(request, new FreesoundTagging.Tests.Training.TestObserver { Epoch = e => rowsSeen.Add(File.ReadAllLines(save + ".history.csv").Length - 1) });

        Assert.Equal([1, 2, 3], rowsSeen);
        string[] lines = File.ReadAllLines(save + ".history.csv");
        Assert.Equal("epoch,loss,accuracy,val_loss,val_accuracy,val_map3,lr,seconds", lines[0]);
        var history = FreesoundTagging.Models.ModelFile.ReadMetadata(save).History.Epochs;
        for (int i = 0; i < 3; i++)
        {
            string[] cells = lines[i + 1].Split(',');
            Assert.Equal(i + 1, int.Parse(cells[0], CultureInfo.InvariantCulture));
            Assert.Equal(history[i].TrainLoss, double.Parse(cells[1], CultureInfo.InvariantCulture));
            Assert.Equal(history[i].MeanAveragePrecisionAt3!.Value, double.Parse(cells[5], CultureInfo.InvariantCulture));
            Assert.Equal(LearningRateSchedule.Cosine.RateAt(request.Options.LearningRate, i, 3), double.Parse(cells[6], CultureInfo.InvariantCulture));
        }
    }

    [Fact]
    public void TheModelCommandNamesTheHistoryAndWhyTheCheckpointStays()
    {
        using var dir = new TempDir();
        SyntheticDataset.Write(dir.Path, rows: 8, classes: 2);
        string save = dir.File("m.fstmodel");
        var r = CommandProcess.Run("model", ["cnn_1d", save, "--data", dir.Path, "--epochs", "1", "--batch-size", "4", "--device", "cpu"], TimeSpan.FromSeconds(120));
        Assert.True(r.Exit == 0, r.Err);
        Assert.Contains($"wrote {save}.history.csv", r.Out);
        Assert.Matches($@"kept {System.Text.RegularExpressions.Regex.Escape(save)}\.ckpt \(\d+\.\d MB\) for --resume --epochs N; delete it if you will not train further", r.Out);
        Assert.Equal(2, File.ReadAllLines(save + ".history.csv").Length);
        // Without validation the validation cells are empty.
        Assert.Matches(@"^1,[^,]+,[^,]+,,,,0\.001,", File.ReadAllLines(save + ".history.csv")[1]);
    }
}
