using System.Diagnostics;
using FreesoundTagging.Inputs;
using FreesoundTagging.Model;
using FreesoundTagging.Predict;
using FreesoundTagging.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace FreesoundTagging.Tests.CommandLine;

/// <summary>
/// Random option lists and values for each command (fixed seeds, a few seconds each), run in-process on tiny real
/// data. Whatever the arguments, the outcome is a success, a usage error (2), bad input (3) - never an internal
/// error (1) and never a stack trace.
/// </summary>
[Collection(TorchCollection.Name)]
public class CommandLineFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] Ints = ["0", "-1", "abc", "2147483648", "1", "2", "3", "", "1.5", "99999999999", "0x10", "1e3"];
    private static readonly string[] Doubles = ["nan", "1e10", "0", "-1", "0.5", "1", "NaN", "inf", "-Infinity", "1e-3", "0.2", "abc", "", "1,5", "1e400"];
    private static readonly string[] Junk = ["", "-", "--", "-x", "--bogus", "x y", "\u00e9", "'", "\"", "/", ".", "..", "/dev/null", "/proc/self/status", "-1"];

    private static string Pick(Random random, IReadOnlyList<string> pool) => pool[random.Next(pool.Count)];

    /// <summary>Appends each option with probability <paramref name="p"/>, with a value from its pool.</summary>
    /// <remarks>Half the draws change one option only, so most of them reach the core with otherwise valid arguments.</remarks>
    private static List<string> Options(Random random, (string Name, string[]? Values)[] options, double p)
    {
        var args = new List<string>();
        if (random.NextDouble() < 0.5)
        {
            var (name, values) = options[random.Next(options.Length)];
            args.Add(name);
            if (values is not null) args.Add(Pick(random, values));
            return args;
        }
        foreach (var (name, values) in options.OrderBy(_ => random.Next()))
        {
            if (random.NextDouble() > p) continue;
            args.Add(name);
            if (values is not null && random.NextDouble() > 0.05) args.Add(Pick(random, values));
        }
        if (random.NextDouble() < 0.15) args.Insert(random.Next(args.Count + 1), Pick(random, Junk));
        return args;
    }

    private static void Check(string command, (int Exit, string Out, string Err) r, string[] args)
    {
        string call = $"{command} {string.Join(' ', args.Select(a => $"'{a}'"))}";
        Assert.True(r.Exit is 0 or 2 or 3, $"{call} -> exit {r.Exit}: {r.Err}");
        Assert.DoesNotContain("internal error", r.Err);
        Assert.DoesNotContain("   at ", r.Err);
        Assert.DoesNotContain("Exception", r.Err);
        // Errors go to stderr, always (progress lines may come before them there); results alone to stdout.
        if (r.Exit != 0) Assert.True(r.Err.Split('\n').Any(l => l.StartsWith("error: ")), $"{call} -> exit {r.Exit} without an error line on stderr");
        Assert.DoesNotContain("error: ", r.Out);
    }

    /// <summary>Every value of every option's pool once, on an otherwise valid command (in random order, within
    /// <paramref name="seconds"/>): the systematic half of the search.</summary>
    private void Sweep(string command, Func<string[], int> main, string[] valid, (string Name, string[]? Values)[] options, int seed, double seconds)
    {
        var clock = Stopwatch.StartNew();
        var order = new Random(seed);
        // Round-robin over the options (each one's first values before anyone's later ones), so a short budget still
        // touches every option with its pool's leading, most telling, values.
        var cases = options
            .SelectMany(o => (o.Values is null ? [new[] { o.Name }] : o.Values.Select(v => new[] { o.Name, v })).Select((c, i) => (Case: c, Rank: i)))
            .OrderBy(c => c.Rank).ThenBy(_ => order.Next()).Select(c => c.Case).ToList();
        int runs = 0;
        foreach (var extra in cases)
        {
            if (clock.Elapsed.TotalSeconds > seconds) break;
            string[] args = [.. valid, .. extra];
            Check(command, ConsoleCapture.Run(main, args), args);
            runs++;
        }
        output.WriteLine($"{command} sweep: {runs} of {cases.Count} single-option cases in {clock.Elapsed.TotalSeconds:0.0} s");
    }

    private void Fuzz(string command, Func<string[], int> main, Func<Random, List<string>> arguments, int seed, double seconds = 2)
    {
        var random = new Random(seed);
        var clock = Stopwatch.StartNew();
        int runs = 0;
        var exits = new Dictionary<int, int>();
        while (runs < 8 || clock.Elapsed.TotalSeconds < seconds)
        {
            if (runs >= 400) break;
            string[] args = [.. arguments(random)];
            var r = ConsoleCapture.Run(main, args);
            runs++;
            exits[r.Exit] = exits.GetValueOrDefault(r.Exit) + 1;
            Check(command, r, args);
        }
        output.WriteLine($"{command}: {runs} runs in {clock.Elapsed.TotalSeconds:0.0} s, exits {string.Join(", ", exits.OrderBy(e => e.Key).Select(e => $"{e.Key}: {e.Value}"))}");
    }

    [Fact]
    public void InputsNeverFailsInternally()
    {
        using var f = new TinyRun();
        string outDir = f.Dir.File("out");
        Directory.CreateDirectory(outDir);
        string[] folders = [f.Audio, f.Dir.File("missing"), f.TrainCsv, outDir];
        string[] csvs = [f.TrainCsv, f.Template, f.Dir.File("missing.csv"), f.Audio, f.Model];
        (string, string[]?)[] options =
        [
            ("--out-dir", [outDir, outDir, f.Dir.File("nope"), f.TrainCsv, f.Audio]), ("-o", [outDir]),
            ("--max-frames", [.. Ints, "130", "20", "100000000", "1000001"]), ("--dtype", ["float32", "float64", "float16", "int32", ""]),
            ("--verified-only", null), ("--skip-invalid", null), ("--shard", ["0/1", "1/2", "2/2", "abc", "0/0", "-1/3", "1/", "/"]),
            ("--threads", Ints),
        ];
        Sweep("inputs", InputsCommand.Run, [f.Audio, f.TrainCsv, "--out-dir", outDir], options, seed: 1, seconds: 2);
        Fuzz("inputs", InputsCommand.Run, random =>
        {
            var args = new List<string>();
            bool valid = random.NextDouble() < 0.6;
            if (random.NextDouble() < 0.95) args.Add(valid ? f.Audio : Pick(random, folders));
            if (random.NextDouble() < 0.95) args.Add(valid ? f.TrainCsv : Pick(random, csvs));
            if (random.NextDouble() < 0.05) args.Add(Pick(random, Junk));
            var opts = Options(random, options, 0.15);
            if (!opts.Contains("--out-dir") && !opts.Contains("-o")) opts.AddRange(["--out-dir", outDir]);
            return [.. args, .. opts];
        }, seed: 1);
    }

    [Fact]
    public void ModelNeverFailsInternally()
    {
        using var f = new TinyRun();
        string data = f.Dir.File("data");
        Directory.CreateDirectory(data);
        SyntheticDataset.Write(data, rows: 12, classes: 3, maxFrames: 24, verified: i => i % 3 != 0);
        string[] variants = ["cnn_1d", "cnn_1d_dropout", "cnn_1d_dense_dropout", "cnn_2d_vgg", "resnet", "", "CNN_1D"];
        string[] saves = [f.Dir.File("m.fstmodel"), f.Dir.File("m.fstmodel"), f.Dir.File("nodir/m.fstmodel"), data, Path.Combine(data, "samples.npy"), f.Dir.File("plain")];
        (string, string[]?)[] options =
        [
            ("--data", [data, data, f.Dir.File("missing"), f.Audio, f.TrainCsv]), ("--batch-size", [.. Ints, "4", "65537"]),
            ("--lr", Doubles), ("--seed", Ints), ("--val-fraction", Doubles), ("--device", ["cpu", "cpu", "auto", "cuda", "cuda:1", "gpu", ""]),
            ("--threads", Ints), ("--bucket", null), ("--resume", null), ("--val-verified-only", null), ("--crop", [.. Doubles, "0.1", "0.05"]), ("--mixup", Doubles),
            ("--time-masks", Ints), ("--time-mask-frames", Ints), ("--freq-masks", Ints), ("--freq-mask-bands", Ints),
            ("--unverified-weight", Doubles), ("--schedule", ["constant", "cosine", "linear", ""]), ("--folds", [.. Ints, "101"]),
        ];
        Sweep("model", ModelCommand.Run, ["cnn_1d", f.Dir.File("m.fstmodel"), "--data", data, "--epochs", "1", "--device", "cpu"],
            [.. options.Where(o => o.Item1 is not ("--data" or "--device"))], seed: 2, seconds: 3);
        Fuzz("model", ModelCommand.Run, random =>
        {
            var args = new List<string>();
            bool valid = random.NextDouble() < 0.6;
            if (random.NextDouble() < 0.97) args.Add(valid ? "cnn_1d" : Pick(random, variants));
            if (random.NextDouble() < 0.97) args.Add(valid ? f.Dir.File("m.fstmodel") : Pick(random, saves));
            var opts = Options(random, options, 0.1);
            // Always a small epoch count, so a valid draw trains in a moment instead of the default 30 epochs.
            opts.AddRange(["--epochs", Pick(random, ["1", "1", "1", "1", "2", "0", "abc"])]);
            if (!opts.Contains("--data")) opts.AddRange(["--data", data]);
            if (!opts.Contains("--device")) opts.AddRange(["--device", "cpu"]);
            return [.. args, .. opts];
        }, seed: 2, seconds: 2);
    }

    [Fact]
    public void PredictNeverFailsInternally()
    {
        using var f = new TinyRun();
        string[] models = [f.Model, f.Model, f.Dir.File("missing.fstmodel"), f.TrainCsv, f.Audio];
        string[] paths = [f.Audio, f.Template, f.TrainCsv, "-", f.Dir.File("s.csv"), f.Dir.File("s.csv"), Path.Combine(f.Audio, f.Rows[0].Fname), f.Model, f.Dir.File("missing"), f.Dir.File("nodir/s.csv")];
        (string, string[]?)[] options =
        [
            ("--mean", ["arithmetic", "geometric", "median", ""]), ("--probabilities", [f.Dir.File("p.npy"), f.Model, f.Audio, f.Dir.File("nodir/p.npy")]),
            ("--truth", [f.TrainCsv, f.Template, f.Dir.File("missing.csv"), f.Model]), ("--batch-size", [.. Ints, "4096", "4097"]),
            ("--threads", Ints), ("--device", ["cpu", "auto", "cuda", "gpu"]),
        ];
        Sweep("predict", PredictCommand.Run, [f.Model, f.Audio, f.Template, "-", f.Dir.File("s.csv")], options, seed: 3, seconds: 2);
        Fuzz("predict", PredictCommand.Run, random =>
        {
            var args = new List<string>();
            if (random.NextDouble() < 0.97) args.Add(random.NextDouble() < 0.7 ? f.Model : Pick(random, models));
            if (random.NextDouble() < 0.6)
                args.AddRange([f.Audio, f.Template, Pick(random, [f.TrainCsv, "-", f.Template]), random.NextDouble() < 0.6 ? f.Dir.File("s.csv") : Pick(random, paths)]);
            else
                for (int i = random.Next(0, 4); i > 0; i--) args.Add(Pick(random, paths));
            return [.. args, .. Options(random, options, 0.15)];
        }, seed: 3);
    }
}
