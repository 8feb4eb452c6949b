using System.Diagnostics;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.OutputSafety;

/// <summary>A full disk, or an output folder that cannot be written, is bad input (exit 3) with one error line, and
/// leaves nothing under the output names: inputs' arrays, the model file, and predict's submission and p.npy,
/// which are committed together.</summary>
[Collection(TorchCollection.Name)]
public class DiskFullTests
{
    /// <summary>
    /// Runs a built command with OUT (in its arguments) replaced by a folder on a private tmpfs mounted with
    /// <paramref name="mountOptions"/>, in a user + mount namespace (no root needed, nothing outside is touched).
    /// stdout ends with "left: &lt;files in OUT&gt;", listed inside the namespace where the tmpfs is visible.
    /// </summary>
    /// <param name="sparse">FREESOUND_SPARSE_NPY: samples.npy's padding left as holes, or written as zeros (false).</param>
    private static (int Exit, string Stdout, string Stderr) RunWithOutputOnTmpfs(string mountOptions, string command, string[] args, bool? sparse = null)
    {
        using var dir = new TempDir();
        string outDir = dir.File("out");
        Directory.CreateDirectory(outDir);
        string script = $"mount -t tmpfs -o {mountOptions} tmpfs \"$0\" || exit 99; cd \"$0\"; \"$@\"; code=$?; echo \"left: $(ls -A)\"; exit $code";
        var info = new ProcessStartInfo("unshare") { RedirectStandardOutput = true, RedirectStandardError = true };
        if (sparse is { } holes) info.Environment["FREESOUND_SPARSE_NPY"] = holes ? "1" : "0";
        foreach (string a in new[] { "-rm", "sh", "-c", script, outDir, Path.Combine(AppContext.BaseDirectory, command) }.Concat(args.Select(a => a.Replace("OUT", outDir))))
            info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        var stderr = p.StandardError.ReadToEndAsync();
        string stdout = p.StandardOutput.ReadToEnd();
        p.WaitForExit();
        return (p.ExitCode, stdout, stderr.Result);
    }

    /// <summary>inputs on a tiny corpus (3 clips a class), run in the tmpfs, which is where it writes by default.</summary>
    private static (int Exit, string Stdout, string Stderr) RunInputsWithOutputOnTmpfs(string mountOptions, bool sparse = true)
    {
        using var dir = new TempDir();
        var (audio, csv, _) = TinyCorpus.Write(dir.Path, perClass: 3);
        return RunWithOutputOnTmpfs(mountOptions, "inputs", [audio, csv], sparse);
    }

    [Fact]
    public void ModelOnAFullDiskIsExit3AndLeavesNothing()
    {
        using var dir = new TempDir();
        SyntheticDataset.Write(dir.Path, rows: 8, classes: 2, maxFrames: 20);
        var (exit, stdout, stderr) = RunWithOutputOnTmpfs("size=64k", "model", ["cnn_1d", "OUT/m.fstmodel", "--data", dir.Path, "--epochs", "1", "--device", "cpu", "--threads", "1"]);
        Assert.True(exit == 3, stderr);
        Assert.Contains("No space left", stderr);
        Assert.Contains("left: \n", stdout + "\n");
    }

    [Fact]
    public void PredictOnAFullDiskIsExit3AndLeavesNeitherOutput()
    {
        using var f = new TinyRun();
        // The fixture's clips and 3000 that are not there: those fall back (no scoring, accepted by --allow-fallbacks),
        // the submission needs ~70 KB, p.npy 36 KB.
        string template = f.Dir.Write("big.csv", "fname,label\n" + string.Join("\n", f.Rows.Select(r => $"{r.Fname},Low Mid High")
            .Concat(Enumerable.Range(0, 3000).Select(i => $"missing{i:00000}.wav,Low Mid High"))) + "\n");
        var (exit, stdout, stderr) = RunWithOutputOnTmpfs("size=64k", "predict", [f.Model, f.Audio, template, "-", "OUT/s.csv", "--probabilities", "OUT/p.npy", "--allow-fallbacks"]);
        Assert.True(exit == 3, stderr);
        Assert.Contains("No space left", stderr);
        Assert.Contains("left: \n", stdout + "\n");
    }

    [Theory]
    // samples.npy's padding left as holes: 32 KB cannot hold the clips' own frames (9 clips of 0.2-1.2 s).
    [InlineData("size=32k", true)]
    // The padding written as zeros: 256 KB cannot hold the first 768 KB row.
    [InlineData("size=256k", false)]
    public void InputsOnAFullDiskIsExit3AndLeavesNoPartialFile(string mountOptions, bool sparse)
    {
        var (exit, stdout, stderr) = RunInputsWithOutputOnTmpfs(mountOptions, sparse);
        Assert.Equal(3, exit);
        Assert.Contains("No space left", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains("left: \n", stdout + "\n");
    }

    [Fact]
    public void AnOutputFolderThatCannotBeWrittenIsOneClearError()
    {
        var (exit, stdout, stderr) = RunInputsWithOutputOnTmpfs("ro,size=64k");
        Assert.Equal(3, exit);
        Assert.Contains("cannot write here", stderr);
        Assert.Single(stderr.Trim().Split('\n'));
        Assert.Contains("left: \n", stdout + "\n");
    }
}
