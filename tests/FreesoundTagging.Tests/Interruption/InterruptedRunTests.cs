using System.Diagnostics;
using FreesoundTagging.Datasets;
using FreesoundTagging.IO;
using FreesoundTagging.Models;
using FreesoundTagging.Tests.Support;
using FreesoundTagging.Training;
using Xunit;

namespace FreesoundTagging.Tests.Interruption;

/// <summary>The real executables, killed or stopped mid-run: nothing partial under a final name, and training resumes.</summary>
[Collection(TorchCollection.Name)]
public class InterruptedRunTests
{
    private static Process Start(string command, string workDir, params string[] args) => CommandProcess.Start(command, args, workDir);

    private static int Finish(Process p) => CommandProcess.Finish(p);

    [Fact]
    public void KillingInputsAtAnyMomentLeavesACompleteSetOrNone()
    {
        using var dir = new TempDir();
        var (audio, csv, _) = TinyCorpus.Write(dir.Path, perClass: 30);
        string outDir = dir.File("out");
        Directory.CreateDirectory(outDir);
        Assert.Equal(0, Finish(Start("inputs", outDir, audio, csv, "--threads", "1")));
        byte[] complete = File.ReadAllBytes(Path.Combine(outDir, "samples.npy"));

        foreach (int delayMs in new[] { 150, 400, 700, 1000, 1300, 1600 })
        {
            using var p = Start("inputs", outDir, audio, csv, "--threads", "1");
            Thread.Sleep(delayMs);
            if (!p.HasExited) p.Kill(entireProcessTree: true);
            p.WaitForExit();

            string samples = Path.Combine(outDir, "samples.npy");
            if (File.Exists(samples))
            {
                // Whatever carries the final name is whole.
                using var array = MappedNpyArray.Open(samples);
                Assert.Equal(complete, File.ReadAllBytes(samples));
            }
            if (File.Exists(Path.Combine(outDir, DatasetInfo.FileName)))
            {
                using var set = TrainingSet.Open([DatasetFiles.In(outDir)]);
                Assert.Equal(90, set.Count);
            }
        }

        Assert.Equal(0, Finish(Start("inputs", outDir, audio, csv)));
        Assert.Equal(new[] { "dataset.json", "labels.npy", "samples.npy" }, Directory.GetFiles(outDir).Select(Path.GetFileName).Order());
        Assert.Equal(complete, File.ReadAllBytes(Path.Combine(outDir, "samples.npy")));
    }

    [Fact]
    public void KilledTrainingResumesFromItsLastCheckpointWithTheSameHistory()
    {
        using var dir = new TempDir();
        SyntheticDataset.Write(dir.Path, rows: 64, classes: 4, maxFrames: 60);
        string model = dir.File("m.fstmodel");
        string[] args = ["cnn_1d", model, "--epochs", "8", "--batch-size", "4", "--seed", "5", "--threads", "1", "--device", "cpu"];

        using (var p = Start("model", dir.Path, args))
        {
            var clock = Stopwatch.StartNew();
            while (!p.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60))
            {
                if (File.Exists(model + ".ckpt") && TrainingCheckpoint.ReadState(model + ".ckpt").Epoch >= 2) break;
                Thread.Sleep(20);
            }
            Assert.False(p.HasExited, "training finished before it could be killed");
            p.Kill(entireProcessTree: true);
            p.WaitForExit();
        }
        Assert.False(File.Exists(model));
        var saved = TrainingCheckpoint.ReadState(model + ".ckpt");
        Assert.InRange(saved.Epoch, 2, 7);

        Assert.Equal(0, Finish(Start("model", dir.Path, [.. args, "--resume"])));

        using var loaded = ModelFile.Load(model);
        Assert.Equal(Enumerable.Range(1, 8), loaded.History.Epochs.Select(e => e.Epoch));
        Assert.Equal(saved.History.Select(e => e.TrainLoss), loaded.History.Epochs.Take(saved.History.Count).Select(e => e.TrainLoss));
        Assert.Equal(5, loaded.History.Seed);

        // An uninterrupted run in another process ends with the same history: seed, shuffles and the resumed
        // optimizer state all carry across processes.
        string straight = dir.File("straight.fstmodel");
        Assert.Equal(0, Finish(Start("model", dir.Path, ["cnn_1d", straight, .. args[2..]])));
        using var reference = ModelFile.Load(straight);
        // Two processes: the same batches and seeds, but libtorch floats are only reproducible within a tolerance.
        Assert.Equal(reference.History.Epochs.Select(e => e.TrainLoss), loaded.History.Epochs.Select(e => e.TrainLoss), new Tolerance(1e-5));
    }

    [Fact]
    public void CtrlCStopsAfterTheCurrentStepAndSavesForResume()
    {
        using var dir = new TempDir();
        SyntheticDataset.Write(dir.Path, rows: 64, classes: 4, maxFrames: 60);
        string model = dir.File("m.fstmodel");
        string[] args = ["cnn_1d", model, "--epochs", "12", "--batch-size", "4", "--seed", "5", "--threads", "1", "--device", "cpu"];

        var stderr = new System.Text.StringBuilder();
        using (var p = Start("model", dir.Path, args))
        {
            p.ErrorDataReceived += (_, e) => { lock (stderr) stderr.AppendLine(e.Data); };
            var clock = Stopwatch.StartNew();
            while (!File.Exists(model + ".ckpt") && !p.HasExited && clock.Elapsed < TimeSpan.FromSeconds(60)) Thread.Sleep(20);
            Assert.False(p.HasExited, "training finished before it could be interrupted");
            Signals.Send(p, Signals.Interrupt);
            Assert.Equal(130, Finish(p));
        }
        lock (stderr) Assert.Contains("--resume", stderr.ToString());
        var saved = TrainingCheckpoint.ReadState(model + ".ckpt");
        Assert.True(saved.Epoch < 12);

        Assert.Equal(0, Finish(Start("model", dir.Path, [.. args, "--resume"])));
        using var loaded = ModelFile.Load(model);
        Assert.Equal(12, loaded.History.Epochs.Count);
    }
}
