using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.CommandLine;

/// <summary>The real `inputs` executable, watched by the dynamic loader.</summary>
public class InputsProcessTests
{
    [Fact]
    public void InputsNeverLoadsLibtorch()
    {
        using var dir = new TempDir();
        var (audio, csv, _) = TinyCorpus.Write(dir.Path, perClass: 1);
        string log = dir.File("ld");
        // glibc's loader names every shared object it maps, dlopen'ed ones included, in LD_DEBUG_OUTPUT.<pid>.
        var r = CommandProcess.Run("inputs", [audio, csv, "--out-dir", dir.Path], TimeSpan.FromSeconds(60),
            environment: new Dictionary<string, string?> { ["LD_DEBUG"] = "files", ["LD_DEBUG_OUTPUT"] = log });
        Assert.True(r.Exit == 0, r.Err);

        string loaded = string.Concat(Directory.GetFiles(dir.Path, "ld.*").Select(File.ReadAllText));
        Assert.Contains("libcoreclr.so", loaded); // the log is real
        Assert.DoesNotContain("libtorch", loaded);
        Assert.DoesNotContain("LibTorchSharp", loaded);
    }
}
