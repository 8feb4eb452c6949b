using System.Diagnostics;
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
        var info = new ProcessStartInfo(Path.Combine(AppContext.BaseDirectory, "inputs"), [audio, csv, "--out-dir", dir.Path])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        // glibc's loader names every shared object it maps, dlopen'ed ones included, in LD_DEBUG_OUTPUT.<pid>.
        info.Environment["LD_DEBUG"] = "files";
        info.Environment["LD_DEBUG_OUTPUT"] = log;
        using var process = Process.Start(info)!;
        string stderr = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        Assert.True(process.WaitForExit(60_000));
        Assert.True(process.ExitCode == 0, stderr);

        string loaded = string.Concat(Directory.GetFiles(dir.Path, "ld.*").Select(File.ReadAllText));
        Assert.Contains("libcoreclr.so", loaded); // the log is real
        Assert.DoesNotContain("libtorch", loaded);
        Assert.DoesNotContain("LibTorchSharp", loaded);
    }
}
