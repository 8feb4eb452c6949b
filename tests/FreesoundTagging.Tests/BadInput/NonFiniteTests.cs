using FreesoundTagging.Recipes;
using FreesoundTagging.Datasets;
using FreesoundTagging.Inputs;
using FreesoundTagging.IO;
using FreesoundTagging.Model;
using FreesoundTagging.Models;
using FreesoundTagging.Predict;
using FreesoundTagging.Tests.Support;
using FreesoundTagging.Training;
using TorchSharp;
using Xunit;
using FreesoundTagging.Torch;

namespace FreesoundTagging.Tests.BadInput;

/// <summary>Non-finite features are never written or scored; a diverging run stops at the first non-finite loss,
/// keeping the last good checkpoint.</summary>
[Collection(TorchCollection.Name)]
public class NonFiniteTests
{
    [Fact]
    public void HugeFloatSamplesAreAnInvalidClipInInputs()
    {
        using var f = new TinyRun();
        File.WriteAllBytes(Path.Combine(f.Audio, "huge.wav"), TinyRun.HugeFloatWav());
        File.AppendAllText(f.TrainCsv, "huge.wav,Low,1\n");
        var r = ConsoleCapture.Run(InputsCommand.Run, f.Audio, f.TrainCsv, "--out-dir", f.Dir.Path, "--max-frames", "130");
        Assert.Equal(3, r.Exit);
        // 1e200 does not fit the float32 samples the front end reads: the decoder names the clip.
        Assert.Contains("huge.wav: sample 1 (frame 1, channel 0) is infinite", r.Err);
        Assert.False(File.Exists(f.Dir.File("samples.npy")));

        var skipped = ConsoleCapture.Run(InputsCommand.Run, f.Audio, f.TrainCsv, "--out-dir", f.Dir.Path, "--max-frames", "130", "--skip-invalid");
        Assert.True(skipped.Exit == 0, skipped.Err);
        Assert.Contains("skipped huge.wav", skipped.Err);
        using var array = MappedNpyArray.Open(f.Dir.File("samples.npy"));
        Assert.Equal(f.Rows.Count, array.RowCount);
        var row = new float[130 * 64];
        for (int i = 0; i < array.RowCount; i++)
        {
            array.ReadRow(i, row);
            Assert.All(row, v => Assert.True(float.IsFinite(v)));
        }
    }

    [Fact]
    public void HugeFloatSamplesAreNeverScored()
    {
        using var f = new TinyRun();
        File.WriteAllBytes(Path.Combine(f.Audio, "huge.wav"), TinyRun.HugeFloatWav());
        File.AppendAllText(f.Template, "huge.wav,Mid\n");
        var r = ConsoleCapture.Run(PredictCommand.Run, f.Model, f.Audio, f.Template, "-", f.Dir.File("s.csv"));
        Assert.True(r.Exit == 0, r.Err);
        Assert.Contains("huge.wav: could not be scored", r.Err);
        Assert.Contains("1 fallback", r.Out);
        Assert.Contains("huge.wav,Mid", File.ReadAllText(f.Dir.File("s.csv")));

        var tag = ConsoleCapture.Run(PredictCommand.Run, f.Model, Path.Combine(f.Audio, "huge.wav"));
        Assert.Equal(3, tag.Exit);
        Assert.Contains("is infinite", tag.Err);
        Assert.DoesNotMatch(@"(Low|Mid|High) (NaN|\d)", tag.Out);
    }

    [Fact]
    public void Float32SamplesAround1e30StillGiveFiniteFeatures()
    {
        // Any float32 sample squared and summed over a window stays far below float64's range, so such a clip is
        // written (its features are finite); only float64 WAVs can overflow, and those are refused above.
        using var f = new TinyRun();
        File.WriteAllBytes(Path.Combine(f.Audio, "loud.wav"), TinyRun.LoudFloat32Wav());
        File.AppendAllText(f.TrainCsv, "loud.wav,Low,1\n");
        var r = ConsoleCapture.Run(InputsCommand.Run, f.Audio, f.TrainCsv, "--out-dir", f.Dir.Path, "--max-frames", "130");
        Assert.True(r.Exit == 0, r.Err);
        using var array = MappedNpyArray.Open(f.Dir.File("samples.npy"));
        var row = new float[130 * 64];
        array.ReadRow(array.RowCount - 1, row);
        Assert.All(row, v => Assert.True(float.IsFinite(v)));
        Assert.True(row.Max() > 100, "ln of a power around 1e60 or more");
    }

    /// <summary>Makes the last row of samples.npy NaN (its rows are at the end of the file).</summary>
    private static void PoisonLastRow(string samplesPath, int rowValues)
    {
        using var stream = new FileStream(samplesPath, FileMode.Open, FileAccess.Write);
        stream.Seek(-rowValues * 4L, SeekOrigin.End);
        var nan = BitConverter.GetBytes(float.NaN);
        for (int i = 0; i < rowValues; i++) stream.Write(nan);
    }

    [Fact]
    public void NaNInTheDataStopsTrainingAtTheFirstNonFiniteLoss()
    {
        using var dir = new TempDir();
        var files = SyntheticDataset.Write(dir.Path, rows: 8, classes: 2, maxFrames: 20);
        PoisonLastRow(files.SamplesPath, 20 * 16);
        string model = dir.File("m.fstmodel");
        var r = ConsoleCapture.Run(ModelCommand.Run, "cnn_1d", model, "--data", dir.Path, "--epochs", "3", "--batch-size", "4", "--seed", "1", "--device", "cpu");
        Assert.Equal(3, r.Exit);
        // One error line; the run's device status line comes before it, as training had started.
        Assert.Equal(["device: cpu"], r.Err.Trim().Split('\n').Where(l => !l.StartsWith("error: ")).Select(l => l[..11]));
        Assert.Single(r.Err.Trim().Split('\n'), l => l.StartsWith("error: "));
        Assert.Contains("training diverged: the loss became NaN at epoch 1, step", r.Err);
        Assert.Contains("no checkpoint had been written yet", r.Err);
        Assert.False(File.Exists(model));
    }

    [Fact]
    public void ADivergingResumeKeepsTheLastGoodCheckpoint()
    {
        using var dir = new TempDir();
        var files = SyntheticDataset.Write(dir.Path, rows: 8, classes: 2, maxFrames: 20);
        string model = dir.File("m.fstmodel");
        string[] args = ["cnn_1d", model, "--data", dir.Path, "--batch-size", "4", "--seed", "1", "--device", "cpu"];
        Assert.Equal(0, ConsoleCapture.Run(ModelCommand.Run, [.. args, "--epochs", "2"]).Exit);
        byte[] checkpoint = File.ReadAllBytes(model + ".ckpt");
        byte[] saved = File.ReadAllBytes(model);

        PoisonLastRow(files.SamplesPath, 20 * 16);
        var r = ConsoleCapture.Run(ModelCommand.Run, [.. args, "--epochs", "4", "--resume"]);
        Assert.Equal(3, r.Exit);
        Assert.Contains("at epoch 3, step", r.Err);
        Assert.Contains("(after epoch 2) is kept", r.Err);
        Assert.Equal(checkpoint, File.ReadAllBytes(model + ".ckpt"));
        Assert.Equal(saved, File.ReadAllBytes(model));
    }

    [Fact]
    public void ACheckpointHoldsNaNAndInfinityInItsHistory()
    {
        using var dir = new TempDir();
        torch.manual_seed(1);
        using var net = torch.nn.Linear(3, 2);
        using var optimizer = new AdamOptimizer(net.parameters(), 1e-3, 0.9, 0.999, 1e-7);
        var state = new CheckpointState
        {
            Options = new TrainingOptions(),
            Seed = 1,
            Epoch = 1,
            Step = 0,
            LossSum = double.PositiveInfinity,
            History = [new EpochRecord(1, double.NaN, 0.5, double.PositiveInfinity, 0.1, double.NaN, 1)],
            DataFingerprint = "x",
        };
        TrainingCheckpoint.Save(dir.File("c.ckpt"), state, net, optimizer);
        var back = TrainingCheckpoint.ReadState(dir.File("c.ckpt"));
        Assert.True(double.IsNaN(back.History[0].TrainLoss));
        Assert.Equal(double.PositiveInfinity, back.History[0].ValidationLoss);
        Assert.Equal(double.PositiveInfinity, back.LossSum);
    }

    [Fact]
    public void AllZeroOrNaNLabelRowsAreRefused()
    {
        using var dir = new TempDir();
        var files = SyntheticDataset.Write(dir.Path, rows: 8, classes: 2, maxFrames: 20);
        using (var stream = new FileStream(files.LabelsPath, FileMode.Open, FileAccess.Write))
        {
            stream.Seek(-2 * 4, SeekOrigin.End);
            stream.Write(new byte[8]);
        }
        var e = Assert.Throws<InvalidArrayException>(() => TrainingSet.Open([files]));
        Assert.Contains("row 7 is not a valid label row", e.Message);
    }
}
