using FreesoundTagging.Inputs;
using FreesoundTagging.Model;
using FreesoundTagging.Predict;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.BadInput;

/// <summary>Inputs that contradict themselves or each other (an ambiguous CSV, one data folder given twice, truth
/// labels the model lacks, a model description asking for absurd sizes): bad input (exit 3) naming the problem, or
/// a warning where the run can still be right.</summary>
[Collection(TorchCollection.Name)]
public class InconsistentInputTests
{

    [Theory]
    [InlineData("fname,label,manually_verified\na.wav,Low,\n", "manually_verified is empty for 'a.wav'")]
    [InlineData("fname,label,label\na.wav,Low,High\n", "column 'label' appears more than once")]
    public void AmbiguousCsvRowsAreRefused(string csv, string expected)
    {
        using var f = new TinyRun();
        var r = ConsoleCapture.Run(InputsCommand.Run, f.Audio, f.Dir.Write("bad.csv", csv), "--out-dir", f.Dir.Path);
        Assert.Equal(3, r.Exit);
        Assert.Contains(expected, r.Err);
    }

    [Fact]
    public void TheSameShardTwiceIsRefused()
    {
        using var dir = new TempDir();
        SyntheticDataset.Write(dir.Path, rows: 8, classes: 2, maxFrames: 20);
        var r = ConsoleCapture.Run(ModelCommand.Run, "cnn_1d", dir.File("m.fstmodel"), "--data", dir.Path, Path.Combine(dir.Path, ".", ""), "--epochs", "1", "--device", "cpu");
        Assert.Equal(3, r.Exit);
        Assert.Contains("each --data folder may be given once", r.Err);
        Assert.False(File.Exists(dir.File("m.fstmodel")));
    }

    [Fact]
    public void TruthLabelsTheModelLacksAreAWarning()
    {
        using var f = new TinyRun();
        string truth = f.Dir.Write("truth.csv", "fname,label\n" + string.Join("\n", f.Rows.Select(r => $"{r.Fname},Bark")) + "\n");
        var r = ConsoleCapture.Run(PredictCommand.Run, f.Model, f.Audio, f.Template, "-", f.Dir.File("s.csv"), "--truth", truth);
        Assert.True(r.Exit == 0, r.Err);
        Assert.Contains("--truth names 1 label(s) the model does not have (Bark)", r.Err);
    }

    [Theory]
    [InlineData("\"window_frames\": 50", "\"window_frames\": 1000000000", "window length must be 1 to 1000000 frames")]
    [InlineData("\"max_frames\": 120", "\"max_frames\": 2147483647", "MaxFrames must be 1 to 1000000")]
    public void AModelWhoseMetadataAsksForAbsurdSizesIsRefused(string from, string to, string expected)
    {
        using var f = new TinyRun();
        string source = TinyModelFile.Write(f.Dir.File("w.fstmodel"), windowFrames: 50);
        using var loaded = FreesoundTagging.Models.ModelFile.Load(source);
        using var weights = new MemoryStream();
        loaded.Model.save(weights);
        string json = FreesoundTagging.Models.ModelFile.SerializeMetadata(loaded.Metadata);
        Assert.Contains(from, json);
        string forged = f.Dir.File("forged.fstmodel");
        File.WriteAllBytes(forged, FreesoundTagging.Models.ModelFile.Pack(json.Replace(from, to), weights.ToArray()));
        var r = ConsoleCapture.Run(PredictCommand.Run, forged, f.Audio, f.Template, "-", f.Dir.File("s.csv"));
        Assert.Equal(3, r.Exit);
        Assert.Contains(expected, r.Err);
    }
}
