using FreesoundTagging.Datasets;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.CommandLine;

/// <summary>
/// docs/scale-out.md's Slurm recipe on a real Slurm. tests/ScaleOut/slurm-check.sh starts a
/// one-node cluster on this machine, runs the documented `sbatch --array` of `inputs --shard auto/4` and
/// `model --data shard-*` as a dependent job, and checks the model against one trained on a single `inputs` run;
/// here the shards' rows are then compared with that run's, byte for byte. Skipped, with the script's reason, where
/// it cannot run: not root, Slurm neither installed nor installable (FREESOUND_NO_APT=1), daemons that do not start.
/// </summary>
public class SlurmTests
{
    private static readonly TimeSpan Limit = TimeSpan.FromMinutes(5);

    private static string Script
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "tests", "ScaleOut", "slurm-check.sh"))) dir = dir.Parent;
            return Path.Combine(dir?.FullName ?? throw new FileNotFoundException("tests/ScaleOut/slurm-check.sh not found above the test binaries"), "tests", "ScaleOut", "slurm-check.sh");
        }
    }

    /// <summary>Runs the script; a skip (exit 77) becomes this test's skip with the script's last stderr line.</summary>
    private static CommandProcess.Result Check(string work, params string[] extra)
    {
        if (!OperatingSystem.IsLinux()) throw new SkipException("Slurm runs on Linux only");
        var r = CommandProcess.Run("/bin/bash", [Script, AppContext.BaseDirectory, work, .. extra], Limit,
            environment: ShardTests.WithoutSchedulerVariables(new()));
        Assert.False(r.TimedOut, $"slurm-check.sh did not finish in {Limit}:\n{r.Out}\n{r.Err}");
        if (r.Exit == 77) throw new SkipException("slurm-check.sh: " + r.Err.Trim().Split('\n')[^1]);
        return r;
    }

    [SkippableFact]
    public void TheDocumentedJobArrayOnARealSlurmGivesTheSingleRunsRowsAndModel()
    {
        using var dir = new TempDir();
        var r = Check(dir.Path);
        Assert.True(r.Exit == 0, $"slurm-check.sh exited {r.Exit}:\n{r.Out}\n{r.Err}");
        Assert.Contains("== ok: 4 array tasks and the dependent model job completed on slurm-wlm", r.Out);

        using var whole = TrainingSet.Open([DatasetFiles.In(dir.File("whole"))]);
        // As `model --data shard-*` lists them: shard-1 … shard-4 hold K = 0 … 3 (--array=1-4).
        var folders = Enumerable.Range(1, 4).Select(k => dir.File($"shard-{k}")).ToList();
        Assert.Equal(["0/4", "1/4", "2/4", "3/4"], folders.Select(f => DatasetInfo.Read(DatasetFiles.In(f).DatasetPath).Shard));
        using var shards = TrainingSet.Open(folders.Select(DatasetFiles.In).ToList());
        Assert.Equal(40, whole.Count);
        SameRows.Assert(whole, shards);
    }

    [SkippableFact]
    public void AnArrayMissingATaskFailsTheCheckAtTheModelJob()
    {
        using var dir = new TempDir();
        // --array=1-3 of auto/4: shard-4 is never written, so `model --data shard-*` refuses the set.
        var r = Check(dir.Path, "1-3");
        Assert.True(r.Exit == 1, $"slurm-check.sh exited {r.Exit}, not 1:\n{r.Out}\n{r.Err}");
        Assert.Contains("error: shard 3/4 is missing: got 0/4, 1/4, 2/4", r.Out);
        Assert.Contains("FAIL: not every job COMPLETED", r.Err);
    }
}
