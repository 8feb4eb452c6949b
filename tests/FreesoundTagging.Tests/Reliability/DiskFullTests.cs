using System.Diagnostics;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.Reliability;

/// <summary>Issue 12, item 5: a full disk is bad input (exit 3) in model and predict too, and predict's outputs
/// are committed together: no p.npy beside a failed submission.</summary>
[Collection(TorchCollection.Name)]
public class DiskFullTests
{
    /// <summary>
    /// Runs a built command with OUT (in its arguments) replaced by a folder on a small private tmpfs, in a user +
    /// mount namespace (no root needed, nothing outside is touched). stdout ends with "left: &lt;files in OUT&gt;".
    /// </summary>
    private static (int Exit, string Stdout, string Stderr) RunWithOutputOnTmpfs(string size, string command, params string[] args)
    {
        using var dir = new TempDir();
        string outDir = dir.File("out");
        Directory.CreateDirectory(outDir);
        string script = $"mount -t tmpfs -o size={size} tmpfs \"$0\" || exit 99; cd \"$0\"; \"$@\"; code=$?; echo \"left: $(ls -A)\"; exit $code";
        var info = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "-rm", "sh", "-c", script, outDir, Path.Combine(AppContext.BaseDirectory, command) }.Concat(args.Select(a => a.Replace("OUT", outDir))))
            info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout, stderr.Result);
    }

    [Fact]
    public void ModelOnAFullDiskIsExit3AndLeavesNothing()
    {
        using var dir = new TempDir();
        SyntheticDataset.Write(dir.Path, rows: 8, classes: 2, maxFrames: 20);
        var (exit, stdout, stderr) = RunWithOutputOnTmpfs("64k", "model", "cnn_1d", "OUT/m.fstmodel", "--data", dir.Path, "--epochs", "1", "--device", "cpu", "--threads", "1");
        Assert.True(exit == 3, stderr);
        Assert.Contains("No space left", stderr);
        Assert.Contains("left: \n", stdout + "\n");
    }

    [Fact]
    public void PredictOnAFullDiskIsExit3AndLeavesNeitherOutput()
    {
        using var f = new Fixture();
        // The fixture's clips and 3000 that are not there: those fall back (no scoring, accepted by --allow-fallbacks),
        // the submission needs ~70 KB, p.npy 36 KB.
        string template = f.Dir.Write("big.csv", "fname,label\n" + string.Join("\n", f.Rows.Select(r => $"{r.Fname},Low Mid High")
            .Concat(Enumerable.Range(0, 3000).Select(i => $"missing{i:00000}.wav,Low Mid High"))) + "\n");
        var (exit, stdout, stderr) = RunWithOutputOnTmpfs("64k", "predict", f.Model, f.Audio, template, "-", "OUT/s.csv", "--probabilities", "OUT/p.npy", "--allow-fallbacks");
        Assert.True(exit == 3, stderr);
        Assert.Contains("No space left", stderr);
        Assert.Contains("left: \n", stdout + "\n");
    }
}
