using System.Diagnostics;
using FreesoundTagging.Datasets;
using FreesoundTagging.Inputs;
using FreesoundTagging.Model;
using FreesoundTagging.Recipes;
using FreesoundTagging.Runtime;
using FreesoundTagging.Tests.Support;
using FreesoundTagging.Torch;
using FreesoundTagging.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.CommandLine;

/// <summary>
/// Scale-out: three real `inputs --shard auto/3` processes, K taken from a Slurm array's or a Kubernetes
/// Indexed Job's variables, add up to a single run: the same rows, byte for byte, in the same order once
/// TrainingSet merges them; and `model` refuses an incomplete or duplicated set of shards.
/// </summary>
[Collection(TorchCollection.Name)]
public class ShardTests : IClassFixture<ShardTests.Runs>
{
    /// <summary>The test process's own scheduler variables (if CI runs under one) removed, then <paramref name="set"/>.</summary>
    internal static Dictionary<string, string?> WithoutSchedulerVariables(Dictionary<string, string?> set)
    {
        var environment = new Dictionary<string, string?> { ["SLURM_ARRAY_TASK_ID"] = null, ["SLURM_ARRAY_TASK_MIN"] = null, ["JOB_COMPLETION_INDEX"] = null };
        foreach (var (name, value) in set) environment[name] = value;
        return environment;
    }

    private readonly Runs _runs;

    public ShardTests(Runs runs) => _runs = runs;

    /// <summary>One corpus, extracted once as a whole and once as three shards by separate processes.</summary>
    public sealed class Runs : IDisposable
    {
        public readonly TempDir Dir = new();

        public Runs()
        {
            var (audio, csv, _) = TinyCorpus.Write(Dir.Path, perClass: 5);
            // Each shard's K comes from a different scheduler's variables; --array=1-3 numbers its tasks from 1.
            var runs = new[]
            {
                Start(audio, csv, "whole", [], new()),
                Start(audio, csv, "shard-0", ["--shard", "auto/3"], new() { ["SLURM_ARRAY_TASK_ID"] = "1", ["SLURM_ARRAY_TASK_MIN"] = "1" }),
                Start(audio, csv, "shard-1", ["--shard", "auto/3"], new() { ["JOB_COMPLETION_INDEX"] = "1" }),
                Start(audio, csv, "shard-2", ["--shard", "auto/3"], new() { ["SLURM_ARRAY_TASK_ID"] = "2" }),
            };
            foreach (var (process, stderr) in runs)
            {
                Assert.True(process.WaitForExit(120_000), "inputs did not finish");
                process.WaitForExit();
                Assert.True(process.ExitCode == 0, string.Join("\n", stderr));
                process.Dispose();
            }
        }

        public string Folder(string name) => Dir.File(name);

        private (Process, List<string>) Start(string audio, string csv, string outName, string[] extra, Dictionary<string, string?> environment)
        {
            Directory.CreateDirectory(Dir.File(outName));
            var stderr = new List<string>();
            var process = CommandProcess.Start("inputs", [audio, csv, "--out-dir", Dir.File(outName), "--threads", "1", .. extra],
                environment: WithoutSchedulerVariables(environment), stderr: stderr);
            return (process, stderr);
        }

        public void Dispose() => Dir.Dispose();
    }

    [Fact]
    public void ShardsOpenedTogetherAreTheSingleRunRowByRowByteByByte()
    {
        var shardInfos = Enumerable.Range(0, 3).Select(k => DatasetInfo.Read(DatasetFiles.In(_runs.Folder($"shard-{k}")).DatasetPath)).ToList();
        Assert.Equal(["0/3", "1/3", "2/3"], shardInfos.Select(i => i.Shard));
        Assert.Equal([1, 4, 7, 10, 13], shardInfos[1].SourceRows!);

        using var whole = TrainingSet.Open([DatasetFiles.In(_runs.Folder("whole"))]);
        // A shell glob or a scheduler may list the folders in any order.
        using var shards = TrainingSet.Open(new[] { "shard-2", "shard-0", "shard-1" }.Select(s => DatasetFiles.In(_runs.Folder(s))).ToList());

        Assert.Equal(15, whole.Count);
        Assert.Equal(whole.Count, shards.Count);
        Assert.Equal(whole.Fnames, shards.Fnames);
        SameRows.Assert(whole, shards);
        Assert.Equal(whole.Verified, shards.Verified);
        Assert.Contains(false, whole.Verified);
    }

    [Fact]
    public void ModelRefusesAMissingShard()
    {
        string model = _runs.Folder("missing.fstmodel");
        var r = ConsoleCapture.Run(ModelCommand.Run, "cnn_1d", model, "--data", _runs.Folder("shard-2"), _runs.Folder("shard-0"), "--epochs", "1", "--device", "cpu");
        Assert.Equal(3, r.Exit);
        Assert.Contains("shard 1/3 is missing: got 0/3, 2/3", r.Err);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.False(File.Exists(model));
    }

    [Fact]
    public void ModelRefusesADuplicatedShardNamingBothFolders()
    {
        string copy = _runs.Folder("shard-1-copy");
        Directory.CreateDirectory(copy);
        foreach (string f in Directory.GetFiles(_runs.Folder("shard-1"))) File.Copy(f, Path.Combine(copy, Path.GetFileName(f)), overwrite: true);
        string model = _runs.Folder("twice.fstmodel");
        var r = ConsoleCapture.Run(ModelCommand.Run, "cnn_1d", model, "--data", _runs.Folder("shard-0"), _runs.Folder("shard-1"), copy, _runs.Folder("shard-2"), "--epochs", "1", "--device", "cpu");
        Assert.Equal(3, r.Exit);
        Assert.Contains($"shard 1/3 is given twice: {_runs.Folder("shard-1")} and {copy}", r.Err);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.False(File.Exists(model));
    }

    [Fact]
    public void TrainingOnTheShardsGivesTheSingleRunsFirstEpochLoss()
    {
        TorchRuntime.Initialise(1);
        var options = new TrainingOptions { Epochs = 1, BatchSize = 4, Seed = 11, Device = "cpu", Threads = 1, LearningRate = 0.05 };
        double Loss(IReadOnlyList<string> folders, string checkpoint)
        {
            using var data = TrainingSet.Open(folders.Select(f => DatasetFiles.In(_runs.Folder(f))).ToList());
            return new Trainer(data, options, () => new MaxLinearModel(data.Features.MelCount, data.Classes.Count), _runs.Folder(checkpoint)).Run(resume: false).History[0].TrainLoss;
        }
        double whole = Loss(["whole"], "whole.ckpt");
        double shards = Loss(["shard-1", "shard-2", "shard-0"], "shards.ckpt");
        // The same rows in the same batches: only float summation order could differ, and here it does not.
        Assert.True(Math.Abs(whole - shards) <= 1e-6 * Math.Abs(whole), $"single run {whole}, shards {shards}");
    }
}

/// <summary>--shard auto/N: K from the scheduler's variables, checked by the parser.</summary>
public class ShardOptionTests
{
    private static (bool Ok, (int, int) Shard, string Error) Parse(string text, params (string Name, string Value)[] variables)
    {
        var environment = variables.ToDictionary(v => v.Name, v => v.Value);
        bool ok = ShardOption.TryParse(text, name => environment.GetValueOrDefault(name), out var shard, out string error);
        return (ok, shard, error);
    }

    [Fact]
    public void AutoTakesKFromTheSlurmArrayOrTheIndexedJob()
    {
        Assert.Equal((true, (2, 4), ""), Parse("auto/4", ("SLURM_ARRAY_TASK_ID", "2")));
        Assert.Equal((true, (2, 4), ""), Parse("auto/4", ("SLURM_ARRAY_TASK_ID", "3"), ("SLURM_ARRAY_TASK_MIN", "1")));
        Assert.Equal((true, (3, 4), ""), Parse("auto/4", ("JOB_COMPLETION_INDEX", "3")));
        // Slurm first: a Slurm job may run inside a pod, never the other way round.
        Assert.Equal((true, (0, 4), ""), Parse("auto/4", ("SLURM_ARRAY_TASK_ID", "0"), ("JOB_COMPLETION_INDEX", "3")));
        Assert.Equal((true, (1, 3), ""), Parse("1/3"));
    }

    [Theory]
    [InlineData("auto/4", "", "", "", "neither is set")]
    [InlineData("auto/4", "4", "", "", "SLURM_ARRAY_TASK_ID=4 gives shard 4, not in 0..3")]
    [InlineData("auto/4", "5", "1", "", "SLURM_ARRAY_TASK_ID=5 minus SLURM_ARRAY_TASK_MIN=1 gives shard 4, not in 0..3")]
    [InlineData("auto/4", "0", "1", "", "gives shard -1, not in 0..3")]
    [InlineData("auto/4", "", "", "7", "JOB_COMPLETION_INDEX=7 gives shard 7, not in 0..3")]
    [InlineData("auto/4", "x", "", "", "SLURM_ARRAY_TASK_ID is 'x', not a whole number")]
    [InlineData("auto/0", "", "", "1", "must be K/N")]
    [InlineData("auto", "", "", "1", "must be K/N")]
    public void BadOrMissingTaskIndexIsAParseError(string text, string id, string min, string index, string expected)
    {
        var variables = new[] { ("SLURM_ARRAY_TASK_ID", id), ("SLURM_ARRAY_TASK_MIN", min), ("JOB_COMPLETION_INDEX", index) }.Where(v => v.Item2 != "").ToArray();
        var (ok, _, error) = Parse(text, variables);
        Assert.False(ok);
        Assert.Contains(expected, error);
    }

    [Fact]
    public void AutoWithAnIndexBeyondNStopsTheRealCommandWithExit2BeforeAnyWork()
    {
        using var dir = new TempDir();
        var (audio, csv, _) = TinyCorpus.Write(dir.Path, perClass: 1);
        var r = CommandProcess.Run("inputs", [audio, csv, "--out-dir", dir.Path, "--shard", "auto/3"], TimeSpan.FromSeconds(60),
            environment: ShardTests.WithoutSchedulerVariables(new() { ["JOB_COMPLETION_INDEX"] = "3" }));
        string stderr = r.Err;
        Assert.Equal(2, r.Exit);
        Assert.Contains("--shard: auto/3: JOB_COMPLETION_INDEX=3 gives shard 3, not in 0..2", stderr);
        // The parser's one line, then its usage hint; no stack trace.
        Assert.StartsWith("error: --shard: auto/3:", stderr);
        Assert.Equal("Run 'inputs --help' for usage.", stderr.Trim().Split('\n')[^1].Trim());
        Assert.Equal(2, stderr.Trim().Split('\n').Length);
        Assert.False(File.Exists(Path.Combine(dir.Path, DatasetInfo.FileName)));
    }
}
