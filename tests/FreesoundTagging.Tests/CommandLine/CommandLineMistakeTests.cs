using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.CommandLine;

/// <summary>Mistakes on the command line are exit 2 with the closest valid name; input mistakes name the fix.</summary>
public class CommandLineMistakeTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static string FirstLine(string text) => text.Split('\n')[0];

    [Fact]
    public void AMistypedVariantIsExit2WithTheClosestName()
    {
        using var dir = new TempDir();
        var r = CommandProcess.Run("model", Patience, "cnn_1d_dropot", dir.File("m.fstmodel"), "--data", dir.Path);
        Assert.Equal(2, r.Exit);
        Assert.Equal("error: unknown model variant 'cnn_1d_dropot' (did you mean 'cnn_1d_dropout'?): valid variants are cnn_1d, cnn_1d_dropout, cnn_1d_dense_dropout, cnn_2d_vgg, cnn_2d_vgg_narrow", FirstLine(r.Err));
        Assert.Contains("Run 'model --help' for usage.", r.Err);

        var far = CommandProcess.Run("model", Patience, "cnnX", dir.File("m.fstmodel"), "--data", dir.Path);
        Assert.Equal(2, far.Exit);
        Assert.StartsWith("error: unknown model variant 'cnnX'", far.Err);
    }

    [Fact]
    public void AMistypedRecipeIsExit2WithTheClosestName()
    {
        using var dir = new TempDir();
        var r = CommandProcess.Run("model", Patience, "cnn_2d_vgg", dir.File("m.fstmodel"), "--data", dir.Path, "--recipe", "Deep");
        Assert.Equal(2, r.Exit);
        Assert.Equal("error: --recipe: unknown recipe 'Deep' (did you mean 'deep'?): valid are original, deep, best, distilled, or a recipe file (JSON)", FirstLine(r.Err));
    }

    [Fact]
    public void AMistypedOptionIsExit2WithTheClosestOption()
    {
        using var dir = new TempDir();
        var r = CommandProcess.Run("model", Patience, "cnn_1d", dir.File("m.fstmodel"), "--data", dir.Path, "--epoch", "3");
        Assert.Equal(2, r.Exit);
        Assert.Equal("error: unknown option '--epoch' (did you mean '--epochs'?)", FirstLine(r.Err));
        var predict = CommandProcess.Run("predict", Patience, "m.fstmodel", "a.wav", "--top_k", "2");
        Assert.Equal(2, predict.Exit);
        Assert.Equal("error: unknown option '--top_k' (did you mean '--top-k'?)", FirstLine(predict.Err));
    }

    [Fact]
    public void AFileGivenAsDataNamesItsFolder()
    {
        using var dir = new TempDir();
        string samples = dir.Write("samples.npy", "x");
        var r = CommandProcess.Run("model", Patience, "cnn_1d", dir.File("m.fstmodel"), "--data", samples);
        Assert.Equal(2, r.Exit);
        Assert.Equal($"error: --data: '{samples}' is a file; --data takes the folder that holds samples.npy, labels.npy and dataset.json (here: --data {dir.Path})", FirstLine(r.Err));
    }

    [Fact]
    public void AMissingDatasetSaysInputsOrData()
    {
        using var dir = new TempDir();
        var r = CommandProcess.Run("model", ["cnn_1d", dir.File("m.fstmodel")], Patience, workDir: dir.Path);
        Assert.Equal(3, r.Exit);
        Assert.Contains("run `inputs` first", r.Err);
        Assert.Contains("--data DIR", r.Err);
    }

    [Fact]
    public void SwappedCsvsAreNamedAsSuch()
    {
        using var dir = new TempDir();
        var (audio, train, rows) = TinyCorpus.Write(dir.Path, perClass: 1);
        string template = dir.Write("sample_submission.csv", "fname,label\n" + string.Join("\n", rows.Select(r => $"{r.Fname},Low Mid High")) + "\n");
        string model = TinyModelFile.Write(dir.File("m.fstmodel"));

        var r = CommandProcess.Run("predict", Patience, model, audio, train, template, dir.File("sub.csv"));
        Assert.Equal(3, r.Exit);
        Assert.Contains("label 'Low Mid High' contains a space; this looks like a sample_submission.csv (3 labels per clip) where a train.csv is expected: are the CSVs swapped?", r.Err);

        var inputs = CommandProcess.Run("inputs", Patience, audio, template, "-o", dir.File("feats"));
        Assert.Equal(3, inputs.Exit);
        Assert.Contains("are the CSVs swapped?", inputs.Err);
    }

    [Fact]
    public void InputsCreatesAnOutputFolderThatDoesNotExistYet()
    {
        using var dir = new TempDir();
        var (audio, train, _) = TinyCorpus.Write(dir.Path, perClass: 1);
        string output = dir.File("new/feats");
        var r = CommandProcess.Run("inputs", Patience, audio, train, "-o", output);
        Assert.True(r.Exit == 0, r.Err);
        Assert.True(File.Exists(Path.Combine(output, "dataset.json")));
    }
}
