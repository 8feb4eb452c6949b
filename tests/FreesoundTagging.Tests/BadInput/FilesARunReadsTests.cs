using System.Diagnostics;
using FreesoundTagging.Model;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.BadInput;

/// <summary>Every file a run reads (the recipe, an import's description and the weights it names, the data) is an
/// input the output guard knows; none is opened unless it is a regular file of a sane size; a recipe file's values
/// pass the command line's checks.</summary>
[Collection(TorchCollection.Name)]
public class FilesARunReadsTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    private static void AssertOneError((int Exit, string Out, string Err) r, string fragment)
    {
        Assert.True(r.Exit == 3, $"exit {r.Exit}: {r.Err}{r.Out}");
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.Contains(fragment, r.Err);
    }

    /// <summary>model export of the fixture's model: own.json + own.safetensors in <paramref name="f"/>'s folder.</summary>
    private static string Export(TinyRun f)
    {
        var r = ConsoleCapture.Run(ModelCommand.Run, "export", f.Model, f.Dir.File("own"));
        Assert.True(r.Exit == 0, r.Err);
        return f.Dir.File("own.json");
    }

    private static string Data(TinyRun f)
    {
        string data = f.Dir.File("data");
        Directory.CreateDirectory(data);
        SyntheticDataset.Write(data, rows: 8, classes: 2, maxFrames: 20);
        return data;
    }

    [Fact]
    public void ImportNeverWritesTheModelOverTheWeightsItReads()
    {
        using var f = new TinyRun();
        string description = Export(f);
        string weights = f.Dir.File("own.safetensors");
        byte[] before = File.ReadAllBytes(weights);
        AssertOneError(ConsoleCapture.Run(ModelCommand.Run, "import", description, weights), "same file");
        Assert.Equal(before, File.ReadAllBytes(weights));
        byte[] json = File.ReadAllBytes(description);
        AssertOneError(ConsoleCapture.Run(ModelCommand.Run, "import", description, Path.Combine(f.Dir.Path, ".", "own.json")), "same file");
        Assert.Equal(json, File.ReadAllBytes(description));
    }

    [Fact]
    public void ModelNeverWritesOverItsRecipeFile()
    {
        using var f = new TinyRun();
        string data = Data(f);
        string recipe = f.Dir.Write("r.json", "{\"epochs\": 1}");
        var r = ConsoleCapture.Run(ModelCommand.Run, "cnn_1d", recipe, "--data", data, "--recipe", recipe, "--device", "cpu");
        AssertOneError(r, "same file");
        Assert.Equal("{\"epochs\": 1}", File.ReadAllText(recipe));
    }

    [Theory]
    [InlineData("{\"epochs\": 1000000000}", "\"epochs\": must be 1 to 1000000 epochs (got 1000000000)")]
    [InlineData("{\"lr\": 1e400}", "\"lr\": must be a finite number")]
    [InlineData("{\"lr\": -1}", "\"lr\": must be a positive number (got -1)")]
    [InlineData("{\"val-fraction\": 1.5, \"members\": 0}", "\"members\": must be 1 to 64 networks (got 0)")]
    [InlineData("{\"schedule\": \"linear\"}", "\"schedule\": must be one of constant, cosine (got linear)")]
    public void RecipeFileValuesPassTheCommandLinesChecks(string recipe, string expected)
    {
        using var f = new TinyRun();
        string data = Data(f);
        string path = f.Dir.Write("r.json", recipe);
        // A process, so that a recipe taken as it is (a billion epochs) fails by the time limit instead of training on.
        var r = CommandProcess.Run("model", ["cnn_1d", f.Dir.File("x.fstmodel"), "--data", data, "--recipe", path, "--device", "cpu"], Patience);
        Assert.False(r.TimedOut, "the recipe was accepted and training began");
        AssertOneError((r.Exit, r.Out, r.Err), expected);
        Assert.Contains("r.json", r.Err);
        Assert.False(File.Exists(f.Dir.File("x.fstmodel")));
    }

    [Fact]
    public void DevicesAreNeverReadAsARecipeOrAsWeights()
    {
        using var f = new TinyRun();
        string data = Data(f);
        AssertOneError(ConsoleCapture.Run(ModelCommand.Run, "cnn_1d", f.Dir.File("x.fstmodel"), "--data", data, "--recipe", "/dev/zero", "--device", "cpu"),
            "/dev/zero: is a character device, not a regular file; expected a recipe file");
        string description = Export(f);
        File.WriteAllText(description, File.ReadAllText(description).Replace("\"own.safetensors\"", "\"/dev/zero\""));
        AssertOneError(ConsoleCapture.Run(ModelCommand.Run, "import", description, f.Dir.File("x.fstmodel")), "/dev/zero: is a character device");
        Assert.False(File.Exists(f.Dir.File("x.fstmodel")));
        // A regular file too large to be a recipe is not read whole either.
        string huge = f.Dir.File("huge.json");
        using (var s = File.Create(huge)) s.SetLength(2L << 20);
        AssertOneError(ConsoleCapture.Run(ModelCommand.Run, "cnn_1d", f.Dir.File("x.fstmodel"), "--data", data, "--recipe", huge, "--device", "cpu"), "more than the 1 MiB a recipe file may be");
    }

    [Theory]
    [InlineData("samples.npy")]
    [InlineData("labels.npy")]
    [InlineData("dataset.json")]
    [InlineData("recipe")]
    [InlineData("weights")]
    public void AFifoAmongTheFilesARunReadsIsAnErrorNotAHang(string which)
    {
        using var f = new TinyRun();
        string data = Data(f);
        string[] args;
        if (which == "weights")
        {
            string description = Export(f);
            File.Delete(f.Dir.File("own.safetensors"));
            TinyRun.MkFifo(f.Dir.File("own.safetensors"));
            args = ["import", description, f.Dir.File("x.fstmodel")];
        }
        else if (which == "recipe")
        {
            TinyRun.MkFifo(f.Dir.File("r.json"));
            args = ["cnn_1d", f.Dir.File("x.fstmodel"), "--data", data, "--recipe", f.Dir.File("r.json"), "--device", "cpu"];
        }
        else
        {
            File.Delete(Path.Combine(data, which));
            TinyRun.MkFifo(Path.Combine(data, which));
            args = ["cnn_1d", f.Dir.File("x.fstmodel"), "--data", data, "--epochs", "1", "--device", "cpu"];
        }
        var r = CommandProcess.Run("model", args, Patience);
        Assert.False(r.TimedOut, $"model blocked on the FIFO {which}");
        Assert.True(r.Exit == 3, $"exit {r.Exit}: {r.Err}");
        Assert.Contains("is a FIFO (named pipe), not a regular file", r.Err);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.False(File.Exists(f.Dir.File("x.fstmodel")));
    }
}
