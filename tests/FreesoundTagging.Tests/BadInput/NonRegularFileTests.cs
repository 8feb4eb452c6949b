using FreesoundTagging.Inputs;
using FreesoundTagging.IO;
using FreesoundTagging.Predict;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.BadInput;

/// <summary>FIFOs, devices, folders and /proc files are named for what they are, never opened for reading (a FIFO
/// would block forever); symlinks to regular files still work.</summary>
[Collection(TorchCollection.Name)]
public class NonRegularFileTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public void AFifoListedInTrainCsvIsAnErrorNotAHang()
    {
        using var f = new TinyRun();
        TinyRun.MkFifo(Path.Combine(f.Audio, "p.wav"));
        File.AppendAllText(f.TrainCsv, "p.wav,Low,1\n");
        var r = CommandProcess.Run("inputs", Patience, f.Audio, f.TrainCsv, "--out-dir", f.Dir.Path);
        Assert.False(r.TimedOut, "inputs blocked on the FIFO");
        Assert.Equal(3, r.Exit);
        Assert.Contains("p.wav: is a FIFO (named pipe), not a regular file", r.Err);
        Assert.Single(r.Err.Trim().Split('\n'));

        var skipped = CommandProcess.Run("inputs", Patience, f.Audio, f.TrainCsv, "--out-dir", f.Dir.Path, "--skip-invalid");
        Assert.Equal(0, skipped.Exit);
        Assert.Contains("skipped p.wav", skipped.Err);
    }

    [Fact]
    public void AFifoAsTrainCsvOrModelIsAnErrorNotAHang()
    {
        using var f = new TinyRun();
        string fifo = f.Dir.File("t.csv");
        TinyRun.MkFifo(fifo);
        var r = CommandProcess.Run("inputs", Patience, f.Audio, fifo, "--out-dir", f.Dir.Path);
        Assert.False(r.TimedOut, "inputs blocked on the FIFO");
        Assert.Equal(3, r.Exit);
        Assert.Contains("FIFO", r.Err);

        var tag = CommandProcess.Run("predict", Patience, fifo, Path.Combine(f.Audio, f.Rows[0].Fname));
        Assert.False(tag.TimedOut, "predict blocked on the FIFO");
        Assert.Equal(3, tag.Exit);
        Assert.Contains("FIFO", tag.Err);
    }

    [Fact]
    public void AFifoGivenToTaggingOrInASubmissionIsAnErrorNotAHang()
    {
        using var f = new TinyRun();
        string fifo = Path.Combine(f.Audio, "x.wav");
        TinyRun.MkFifo(fifo);
        var tag = CommandProcess.Run("predict", Patience, f.Model, fifo);
        Assert.False(tag.TimedOut, "predict blocked on the FIFO");
        Assert.Equal(3, tag.Exit);
        Assert.Contains("FIFO", tag.Err);

        File.AppendAllText(f.Template, "x.wav,Low Mid High\n");
        var submission = CommandProcess.Run("predict", Patience, f.Model, f.Audio, f.Template, "-", f.Dir.File("s.csv"));
        Assert.False(submission.TimedOut, "predict blocked on the FIFO");
        Assert.Equal(0, submission.Exit);
        Assert.Contains("x.wav: could not be scored", submission.Err);
        Assert.Contains("FIFO", submission.Err);
    }

    [Fact]
    public void AFifoInAFolderBeingTaggedIsSkippedWithItsReasonNotAHang()
    {
        using var f = new TinyRun();
        TinyRun.MkFifo(Path.Combine(f.Audio, "pipe.wav"));
        var tag = CommandProcess.Run("predict", Patience, f.Model, f.Audio, "--format", "csv");
        Assert.False(tag.TimedOut, "predict blocked on the FIFO while walking the folder");
        Assert.Equal(0, tag.Exit);
        Assert.Contains("pipe.wav", tag.Err);
        Assert.Contains("FIFO", tag.Err);
        Assert.DoesNotContain("pipe.wav", tag.Out);
    }

    [Theory]
    [InlineData("/dev/zero", "character device")]
    [InlineData("/proc/self/status", "kernel pseudo-file")]
    public void DevicesAndProcFilesAreNamedForWhatTheyAre(string path, string expected)
    {
        using var f = new TinyRun();
        var r = ConsoleCapture.Run(PredictCommand.Run, f.Model, path);
        Assert.Equal(3, r.Exit);
        Assert.Contains(expected, r.Err);
    }

    [Fact]
    public void AFolderNamedLikeAClipIsAFolderNotMissing()
    {
        using var f = new TinyRun();
        Directory.CreateDirectory(Path.Combine(f.Audio, "dir.wav"));
        File.AppendAllText(f.TrainCsv, "dir.wav,Low,1\n");
        var r = ConsoleCapture.Run(InputsCommand.Run, f.Audio, f.TrainCsv, "--out-dir", f.Dir.Path);
        Assert.Equal(3, r.Exit);
        Assert.Contains("dir.wav: is a folder, expected an audio file", r.Err);
    }

    [Fact]
    public void SymlinksToRegularFilesStillWork()
    {
        using var f = new TinyRun();
        File.CreateSymbolicLink(Path.Combine(f.Audio, "link.wav"), Path.Combine(f.Audio, f.Rows[0].Fname));
        File.AppendAllText(f.TrainCsv, "link.wav,Low,1\n");
        string csvLink = f.Dir.File("train-link.csv");
        File.CreateSymbolicLink(csvLink, f.TrainCsv);
        var r = ConsoleCapture.Run(InputsCommand.Run, f.Audio, csvLink, "--out-dir", f.Dir.Path, "--max-frames", "130");
        Assert.True(r.Exit == 0, r.Err);
        Assert.Contains($"samples.npy ({f.Rows.Count + 1}, 130, 64)", r.Out);
    }
}
