using System.Diagnostics;
using FreesoundTagging.Tests.Support;
using FreesoundTagging.Training;
using Xunit;

namespace FreesoundTagging.Tests.Interruption;

/// <summary>SIGTERM is handled like Ctrl+C, and a second signal leaves no .tmp files.</summary>
[Collection(TorchCollection.Name)]
public class SignalTests
{
    private static Process Start(string command, string workDir, List<string> stderr, params string[] args) => CommandProcess.Start(command, args, workDir, stderr: stderr);

    private static int Finish(Process p) => CommandProcess.Finish(p);

    private static void WaitFor(Func<bool> condition, Process p)
    {
        var clock = Stopwatch.StartNew();
        while (!condition() && !p.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(10);
        Assert.False(p.HasExited, "finished before it could be signalled");
    }

    [Fact]
    public void SigtermStopsTrainingAfterTheStepAndSavesForResume()
    {
        using var dir = new TempDir();
        SyntheticDataset.Write(dir.Path, rows: 64, classes: 4, maxFrames: 60);
        string model = dir.File("m.fstmodel");
        string[] args = ["cnn_1d", model, "--epochs", "12", "--batch-size", "4", "--seed", "5", "--threads", "1", "--device", "cpu"];
        var stderr = new List<string>();
        using var p = Start("model", dir.Path, stderr, args);
        WaitFor(() => File.Exists(model + ".ckpt"), p);
        Signals.Send(p, Signals.Terminate);
        Assert.Equal(130, Finish(p));
        lock (stderr) Assert.Contains(stderr, l => l.Contains("--resume"));
        Assert.True(TrainingCheckpoint.ReadState(model + ".ckpt").Epoch < 12);
        Assert.Empty(Directory.GetFiles(dir.Path, "*.tmp*"));
    }

    [Theory]
    [InlineData(Signals.Terminate)]
    [InlineData(Signals.Interrupt, Signals.Interrupt)]
    [InlineData(Signals.Terminate, Signals.Terminate)]
    public void InputsStoppedBySignalsLeavesNoTemporaryFiles(params int[] signals)
    {
        using var dir = new TempDir();
        var (audio, csv, _) = TinyCorpus.Write(dir.Path, perClass: 30);
        string outDir = dir.File("out");
        Directory.CreateDirectory(outDir);
        var stderr = new List<string>();
        using var p = Start("inputs", outDir, stderr, audio, csv, "--threads", "1");
        WaitFor(() => Directory.GetFiles(outDir, "*.tmp").Length > 0, p);
        Signals.Send(p, signals);
        int exit = Finish(p);
        Assert.True(exit is 130 or 143, $"exit {exit}: {string.Join("\n", stderr)}");
        Assert.Empty(Directory.GetFiles(outDir));
    }
}
