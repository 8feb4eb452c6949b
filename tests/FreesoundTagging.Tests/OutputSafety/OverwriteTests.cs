using FreesoundTagging.Inputs;
using FreesoundTagging.Model;
using FreesoundTagging.Predict;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.OutputSafety;

/// <summary>No output is ever written over an input or over another output, however the path is spelled, nor over a
/// folder in the way: the run is refused before any work, exit 3, one line.</summary>
[Collection(TorchCollection.Name)]
public class OverwriteTests
{
    private static void AssertRefused((int Exit, string Out, string Err) r, string fragment = "same file")
    {
        Assert.True(r.Exit == 3, r.Err + r.Out);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.Contains(fragment, r.Err);
        Assert.DoesNotContain("wrote", r.Out);
    }

    private static string Spell(TinyRun f, string target, string spelling)
    {
        string name = Path.GetFileName(target);
        switch (spelling)
        {
            case "plain":
                return target;
            case "dotdot":
                string folder = Path.GetDirectoryName(target)!;
                return Path.Combine(folder, "..", Path.GetFileName(folder), ".", name);
            case "relative":
                return Path.GetRelativePath(Environment.CurrentDirectory, target);
            case "symlink":
                return File.CreateSymbolicLink(f.Dir.File("link.out"), target).FullName;
            case "hardlink":
                TinyRun.Run("ln", target, f.Dir.File("hard.out"));
                return f.Dir.File("hard.out");
            case "linkedfolder":
                Directory.CreateSymbolicLink(f.Dir.File("alias"), Path.GetDirectoryName(target)!);
                return Path.Combine(f.Dir.File("alias"), name);
            default:
                throw new ArgumentException(spelling);
        }
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("dotdot")]
    [InlineData("relative")]
    [InlineData("symlink")]
    [InlineData("hardlink")]
    [InlineData("linkedfolder")]
    public void PredictNeverWritesTheSubmissionOverTheModel(string spelling)
    {
        using var f = new TinyRun();
        byte[] before = File.ReadAllBytes(f.Model);
        var r = ConsoleCapture.Run(PredictCommand.Run, f.Model, f.Audio, f.Template, "-", Spell(f, f.Model, spelling));
        AssertRefused(r);
        Assert.Equal(before, File.ReadAllBytes(f.Model));
    }

    [Theory]
    [InlineData("sample_submission")]
    [InlineData("train")]
    [InlineData("clip")]
    public void PredictNeverWritesTheSubmissionOverItsCsvsOrClips(string what)
    {
        using var f = new TinyRun();
        string target = what switch
        {
            "sample_submission" => f.Template,
            "train" => f.TrainCsv,
            _ => Path.Combine(f.Audio, f.Rows[0].Fname),
        };
        byte[] before = File.ReadAllBytes(target);
        AssertRefused(ConsoleCapture.Run(PredictCommand.Run, f.Model, f.Audio, f.Template, f.TrainCsv, Spell(f, target, "dotdot")));
        Assert.Equal(before, File.ReadAllBytes(target));
    }

    [Fact]
    public void PredictProbabilitiesNeverGoOverTheModelOrTheSubmission()
    {
        using var f = new TinyRun();
        byte[] model = File.ReadAllBytes(f.Model);
        AssertRefused(ConsoleCapture.Run(PredictCommand.Run, f.Model, f.Audio, f.Template, "-", f.Dir.File("s.csv"), "--probabilities", Spell(f, f.Model, "symlink")));
        Assert.Equal(model, File.ReadAllBytes(f.Model));
        // Neither file exists yet: compared by where they would be created.
        AssertRefused(ConsoleCapture.Run(PredictCommand.Run, f.Model, f.Audio, f.Template, "-", f.Dir.File("s.csv"), "--probabilities", Path.Combine(f.Audio, "..", "s.csv")));
        Assert.False(File.Exists(f.Dir.File("s.csv")));
    }

    [Theory]
    [InlineData("samples.npy", "plain")]
    [InlineData("labels.npy", "hardlink")]
    [InlineData("dataset.json", "linkedfolder")]
    public void ModelNeverWritesOverItsTrainingData(string file, string spelling)
    {
        using var f = new TinyRun();
        string data = f.Dir.File("data");
        Directory.CreateDirectory(data);
        SyntheticDataset.Write(data, rows: 8, classes: 2, maxFrames: 20);
        string target = Path.Combine(data, file);
        byte[] before = File.ReadAllBytes(target);
        AssertRefused(ConsoleCapture.Run(ModelCommand.Run, "cnn_1d", Spell(f, target, spelling), "--data", data, "--epochs", "1", "--device", "cpu"));
        Assert.Equal(before, File.ReadAllBytes(target));
        Assert.Empty(Directory.GetFiles(data, "*.ckpt"));
    }

    [Fact]
    public void InputsNeverWritesOverItsCsv()
    {
        using var f = new TinyRun();
        string outDir = f.Dir.File("out");
        Directory.CreateDirectory(outDir);
        string csv = Path.Combine(outDir, "dataset.json");
        File.Copy(f.TrainCsv, csv);
        byte[] before = File.ReadAllBytes(csv);
        AssertRefused(ConsoleCapture.Run(InputsCommand.Run, f.Audio, csv, "--out-dir", outDir));
        Assert.Equal(before, File.ReadAllBytes(csv));
        Assert.Equal(["dataset.json"], Directory.GetFiles(outDir).Select(Path.GetFileName));
    }

    [Fact]
    public void AFolderNamedLikeAnOutputIsRefusedBeforeAnyWork()
    {
        using var f = new TinyRun();
        string outDir = f.Dir.File("out");
        Directory.CreateDirectory(Path.Combine(outDir, "dataset.json"));
        AssertRefused(ConsoleCapture.Run(InputsCommand.Run, f.Audio, f.TrainCsv, "--out-dir", outDir), "is a folder");
        Assert.Empty(Directory.GetFiles(outDir));

        string data = f.Dir.File("data");
        Directory.CreateDirectory(data);
        SyntheticDataset.Write(data, rows: 8, classes: 2, maxFrames: 20);
        string model = f.Dir.File("x.fstmodel");
        Directory.CreateDirectory(model + ".curves.png");
        AssertRefused(ConsoleCapture.Run(ModelCommand.Run, "cnn_1d", model, "--data", data, "--epochs", "1", "--device", "cpu"), "is a folder");
        Assert.False(File.Exists(model));
        Assert.False(File.Exists(model + ".ckpt"));
    }

    [Fact]
    public void AnExistingFifoIsNeverReplacedByAnOutput()
    {
        // (A FIFO rather than /dev/null: on today's code, running as root, the test must not replace a device.)
        using var f = new TinyRun();
        string fifo = f.Dir.File("out.csv");
        TinyRun.MkFifo(fifo);
        AssertRefused(ConsoleCapture.Run(PredictCommand.Run, f.Model, f.Audio, f.Template, "-", fifo), "FIFO");
        Assert.Equal(FreesoundTagging.IO.FileKind.Fifo, FreesoundTagging.IO.FileStatus.Of(fifo).Kind);
    }
}
