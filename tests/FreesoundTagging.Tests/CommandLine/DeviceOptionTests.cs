using FreesoundTagging.Models;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.CommandLine;

/// <summary>--device as the commands take it, in their own processes: on this CPU-only build a GPU asked for is one
/// line and exit 3 with nothing written; a run that computes names its device in its first status line and the
/// model file records it.</summary>
[Collection(TorchCollection.Name)]
public class DeviceOptionTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromMinutes(2);

    [Theory]
    [InlineData("cuda")]
    [InlineData("cuda:0")]
    [InlineData("cuda:1")]
    [InlineData("CUDA")]
    public void TrainingOnAGpuThisBuildCannotUseIsOneLineAndNoOutput(string device)
    {
        using var dir = new TempDir();
        SyntheticDataset.Write(dir.Path, rows: 6, classes: 2, maxFrames: 20);
        string model = dir.File("m.fstmodel");
        var r = CommandProcess.Run("model", ["cnn_1d", model, "--data", dir.Path, "--epochs", "1", "--device", device], Patience);
        Assert.True(r.Exit == 3, r.Err + r.Out);
        Assert.Equal($"error: --device {device.ToLowerInvariant()}: this build carries the CPU-only libtorch; build the CUDA flavour with -p:TorchBackend=cuda (docs/gpu.md), or run with --device cpu",
            r.Err.Trim());
        Assert.Empty(Directory.GetFiles(dir.Path, "m.fstmodel*"));
        Assert.Empty(Directory.GetFiles(dir.Path, ".m.fstmodel*"));
    }

    [Fact]
    public void PredictingOnAGpuThisBuildCannotUseIsOneLineAndNoOutput()
    {
        using var dir = new TempDir();
        var (audio, _, rows) = TinyCorpus.Write(dir.Path, perClass: 1);
        string model = TinyModelFile.Write(dir.File("m.fstmodel"));
        var r = CommandProcess.Run("predict", [model, Path.Combine(audio, rows[0].Fname), "--device", "cuda"], Patience);
        Assert.True(r.Exit == 3, r.Err + r.Out);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.Contains("--device cuda: this build carries the CPU-only libtorch", r.Err);
        Assert.Equal("", r.Out);
    }

    [Fact]
    public void ATrainingRunNamesItsDeviceFirstAndTheModelRecordsIt()
    {
        using var dir = new TempDir();
        SyntheticDataset.Write(dir.Path, rows: 6, classes: 2, maxFrames: 20);
        string model = dir.File("m.fstmodel");
        var r = CommandProcess.Run("model", ["cnn_1d", model, "--data", dir.Path, "--epochs", "1", "--seed", "1"], Patience);
        Assert.True(r.Exit == 0, r.Err + r.Out);
        Assert.Matches(@"^device: cpu \(libtorch \d+\.\d+\.\d+, CPU build\)$", r.Err.Split('\n')[0]);
        using var loaded = ModelFile.Load(model);
        Assert.Equal(r.Err.Split('\n')[0]["device: ".Length..], loaded.History.TrainedOn);
    }

    [Fact]
    public void APredictRunNamesItsDeviceFirst()
    {
        using var dir = new TempDir();
        var (audio, _, rows) = TinyCorpus.Write(dir.Path, perClass: 1);
        string model = TinyModelFile.Write(dir.File("m.fstmodel"));
        var r = CommandProcess.Run("predict", [model, Path.Combine(audio, rows[0].Fname), "--format", "tsv", "--device", "cpu"], Patience);
        Assert.True(r.Exit == 0, r.Err + r.Out);
        Assert.StartsWith("device: cpu (libtorch ", r.Err.Split('\n')[0]);
        Assert.DoesNotContain("device:", r.Out);
    }
}
