using System.Text.RegularExpressions;
using FreesoundTagging.Models;
using FreesoundTagging.Tests.Repository;
using FreesoundTagging.Tests.Support;
using Xunit;
using FreesoundTagging.Jobs;

namespace FreesoundTagging.Tests.Interop;

/// <summary><c>model export</c> and <c>model import</c> as a user meets them: help, where files go, wrong files.</summary>
[Collection(TorchCollection.Name)]
public class ExportCommandTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);

    [Fact]
    public void ExportHelpShowsItsOwnUsage()
    {
        var r = CommandProcess.Run("model", Patience, "export", "--help");
        Assert.Equal(0, r.Exit);
        Assert.Contains("model export <model_file> [<prefix>] [options]", r.Out);
        Assert.DoesNotContain("<variant>", r.Out);
        var import = CommandProcess.Run("model", Patience, "import", "--help");
        Assert.Contains("model import <description> <model_file> [options]", import.Out);
    }

    [Fact]
    public void WithoutAPrefixTheExportGoesToTheCurrentFolderAndSaysSo()
    {
        using var dir = new TempDir();
        string models = Directory.CreateDirectory(dir.File("shipped")).FullName;
        string work = Directory.CreateDirectory(dir.File("work")).FullName;
        string model = TinyModelFile.Write(Path.Combine(models, "tiny.fstmodel"));

        var r = CommandProcess.Run("model", ["export", model], Patience, workDir: work);

        Assert.True(r.Exit == 0, r.Err);
        Assert.StartsWith("wrote tiny.safetensors and tiny.json (named after the model, in the current folder; give a prefix to choose)", r.Out);
        Assert.True(File.Exists(Path.Combine(work, "tiny.json")) && File.Exists(Path.Combine(work, "tiny.safetensors")));
        Assert.Equal([model], Directory.GetFiles(models));
    }

    [Fact]
    public void ImportingTheWeightsOrBrokenJsonIsOnePlainLine()
    {
        using var dir = new TempDir();
        string model = TinyModelFile.Write(dir.File("m.fstmodel"));
        Assert.Equal(0, CommandProcess.Run("model", Patience, "export", model, dir.File("x")).Exit);

        var weights = CommandProcess.Run("model", Patience, "import", dir.File("x.safetensors"), dir.File("back.fstmodel"));
        Assert.Equal(3, weights.Exit);
        Assert.Equal($"error: {dir.File("x.safetensors")}: is the weights (safetensors); import takes the JSON description written beside them ({dir.File("x.json")}), which names its weights\n", weights.Err);

        string bom = dir.Write("bom.json", "\uFEFF\uFEFF{");
        var broken = CommandProcess.Run("model", Patience, "import", bom, dir.File("back.fstmodel"));
        Assert.Equal(3, broken.Exit);
        Assert.Single(broken.Err.Trim().Split('\n'));
        Assert.Contains("is not a JSON export description: not valid JSON", broken.Err);
        Assert.DoesNotContain("LineNumber", broken.Err);
        Assert.DoesNotContain("0x", broken.Err);
        Assert.False(File.Exists(dir.File("back.fstmodel")));
    }

    /// <summary>Every variant we train can be exported only if the Python module builds it: adding a variant without
    /// its PyTorch twin fails here, not in a user's PyTorch.</summary>
    [Fact]
    public void ExportedVariantsAreTheOnesThePythonModuleBuilds()
    {
        string module = File.ReadAllText(Path.Combine(RepositoryLayoutTests.RepositoryRoot(), "src", "python", "freesound_tagging.py"));
        // The keys of its one registry of builders, BUILDERS = { "name": builder, ... }.
        var registry = Regex.Match(module, @"^BUILDERS = \{(.*?)^\}", RegexOptions.Multiline | RegexOptions.Singleline);
        Assert.True(registry.Success, "no BUILDERS registry in freesound_tagging.py");
        var built = Regex.Matches(registry.Groups[1].Value, @"^    ""(\w+)"":", RegexOptions.Multiline).Select(m => m.Groups[1].Value).Order(StringComparer.Ordinal);
        Assert.Equal(built, PyTorchExport.PythonVariants.Order(StringComparer.Ordinal));
        Assert.All(ModelVariant.All, v => Assert.Contains(v.Name, PyTorchExport.PythonVariants));
        var e = Assert.Throws<InvalidInputException>(() => PyTorchExport.CheckLoadable("cnn_3d", "m.fstmodel"));
        Assert.Equal("m.fstmodel: variant cnn_3d cannot be exported yet: src/python/freesound_tagging.py builds only cnn_1d, cnn_1d_dropout, cnn_1d_dense_dropout, cnn_2d_vgg, cnn_2d_vgg_narrow, so PyTorch could not load it", e.Message);
    }
}
