using System.Diagnostics;
using System.Text.Json;
using FreesoundTagging.Features;
using FreesoundTagging.IO;
using FreesoundTagging.Inference;
using FreesoundTagging.Jobs;
using FreesoundTagging.Model;
using FreesoundTagging.Models;
using FreesoundTagging.Runtime;
using FreesoundTagging.Scoring;
using FreesoundTagging.Tests.Support;
using FreesoundTagging.Torch;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Interop;

/// <summary><c>model export</c> / <c>model import</c>, and src/python/freesound_tagging.py under a real PyTorch.</summary>
[Collection(TorchCollection.Name)]
public class PyTorchExportTests
{
    public PyTorchExportTests() => TorchRuntime.Initialise(1);

    private static readonly string[] Classes = ["Low", "Mid", "High", "Other", "Fifth"];

    /// <summary>A seeded model of every variant, with batch-norm statistics that are not the defaults (so their
    /// keys are checked too), saved whole-clip or crop-trained.</summary>
    private static string WriteModel(TempDir dir, ModelVariant variant, int? windowFrames, int seed)
    {
        manual_seed(seed);
        var features = FeatureConfig.Original with { MaxFrames = 120, MelCount = 16 };
        using var model = variant.Create(features.MelCount, Classes.Length);
        using (no_grad())
        {
            foreach (var (name, t) in model.state_dict())
            {
                if (name.EndsWith("running_mean", StringComparison.Ordinal)) t.copy_(randn(t.shape) * 0.5);
                if (name.EndsWith("running_var", StringComparison.Ordinal)) t.copy_(rand(t.shape) + 0.5);
                if (name.EndsWith(".bias", StringComparison.Ordinal) && t.dim() == 1) t.copy_(randn(t.shape) * 0.1);
            }
        }
        return WriteModelFile(dir.File($"{variant.Name}.fstmodel"), model, features, windowFrames);
    }

    private static string WriteEnsemble(TempDir dir, int windowFrames, int hopFrames)
    {
        manual_seed(40);
        var features = FeatureConfig.Original with { MaxFrames = 120, MelCount = 16 };
        using var model = MemberAverage.Create(ModelVariant.Vgg2d, 2, features.MelCount, Classes.Length);
        string path = dir.File("ensemble.fstmodel");
        ModelFile.Save(path, model, Classes, features, null, windowFrames, hopFrames, bandShifts: 2);
        return path;
    }

    private static string WriteModelFile(string path, TaggingModel model, FeatureConfig features, int? windowFrames)
    {
        ModelFile.Save(path, model, Classes, features, null, windowFrames);
        return path;
    }

    private static LogMel Clip(int frames, int seed)
    {
        var random = new Random(seed);
        var values = new float[frames * 16];
        for (int i = 0; i < values.Length; i++) values[i] = (float)(random.NextDouble() * 4 - 5);
        return new LogMel(values, frames, 16);
    }

    private static void WriteNpy(string path, float[] values, params int[] shape)
    {
        using var writer = new NpyRowWriter(path, NpyDtype.Float32, shape[1..].Select(d => (long)d).ToArray());
        int row = values.Length / shape[0];
        for (int i = 0; i < shape[0]; i++) writer.WriteRow(values.AsSpan(i * row, row).ToArray());
        writer.Commit();
    }

    [Fact]
    public void ExportThenImportGivesBackTheSameWeights()
    {
        using var dir = new TempDir();
        foreach (var (variant, i) in ModelVariant.All.Select((v, i) => (v, i)))
        {
            string original = WriteModel(dir, variant, i % 2 == 0 ? null : 30, seed: 10 + i);
            var export = ConsoleCapture.Run(ModelCommand.Run, "export", original, dir.File($"x{i}"));
            Assert.True(export.Exit == 0, export.Err);
            var imported = ConsoleCapture.Run(ModelCommand.Run, "import", dir.File($"x{i}.json"), dir.File($"back{i}.fstmodel"));
            Assert.True(imported.Exit == 0, imported.Err);

            using var a = ModelFile.Load(original);
            using var b = ModelFile.Load(dir.File($"back{i}.fstmodel"));
            Assert.Equal((a.Variant, a.Metadata.WindowFrames, a.Features), (b.Variant, b.Metadata.WindowFrames, b.Features));
            Assert.Equal(a.Classes, b.Classes);
            var sa = a.Model.state_dict();
            var sb = b.Model.state_dict();
            Assert.Equal(sa.Keys, sb.Keys);
            foreach (var key in sa.Keys) Assert.True(sa[key].dtype == sb[key].dtype && sa[key].eq(sb[key]).all().item<bool>(), key);
        }
    }

    /// <summary>Imports <paramref name="description"/> (beside the exported tensors): one line naming the problem,
    /// exit 3, no model file.</summary>
    private static void AssertImportRefused(TempDir dir, string description, string problem)
    {
        File.WriteAllText(dir.File("x.json"), description);
        var r = ConsoleCapture.Run(ModelCommand.Run, "import", dir.File("x.json"), dir.File("bad.fstmodel"));
        Assert.Equal(3, r.Exit);
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.Contains(problem, r.Err);
        Assert.False(File.Exists(dir.File("bad.fstmodel")));
    }

    [Fact]
    public void ImportRefusesTensorsThatDoNotFitTheVariant()
    {
        using var dir = new TempDir();
        string model = WriteModel(dir, ModelVariant.Cnn1d, null, seed: 1);
        Assert.Equal(0, ConsoleCapture.Run(ModelCommand.Run, "export", model, dir.File("x")).Exit);
        // Claim another variant for the same tensors.
        string exported = File.ReadAllText(dir.File("x.json"));
        AssertImportRefused(dir, exported.Replace("\"cnn_1d\"", "\"cnn_1d_dense_dropout\""), "do not fit a cnn_1d_dense_dropout model");
        // Scoring shifts the model file cannot hold.
        Assert.Contains("\"band_shifts\": 0", exported);
        AssertImportRefused(dir, exported.Replace("\"band_shifts\": 0", "\"band_shifts\": 9"), "the scoring band shifts must be 0 to 8 (got 9)");
        // A log reference we do not know; a description written before the option existed has none and is absolute.
        Assert.Contains("\"log_reference\": \"absolute\",", exported);
        AssertImportRefused(dir, exported.Replace("\"log_reference\": \"absolute\"", "\"log_reference\": \"loudest\""), "log_reference must be absolute or clip-peak (got loudest)");
        File.WriteAllText(dir.File("old.json"), exported.Replace("\"log_reference\": \"absolute\",", ""));
        var old = ConsoleCapture.Run(ModelCommand.Run, "import", dir.File("old.json"), dir.File("old.fstmodel"));
        Assert.True(old.Exit == 0, old.Err);
        Assert.Equal(LogReference.Absolute, ModelFile.ReadMetadata(dir.File("old.fstmodel")).Features.LogReference);
        // An export never replaces its model file.
        string copy = dir.File("m.safetensors");
        File.Copy(model, copy);
        var over = ConsoleCapture.Run(ModelCommand.Run, "export", copy, dir.File("m"));
        Assert.Equal(3, over.Exit);
        Assert.Contains("would overwrite the model file", over.Err);
        Assert.Equal(File.ReadAllBytes(model), File.ReadAllBytes(copy));
    }

    /// <summary>Logits and predict's probabilities of every variant, ours against the Python module's under
    /// Debian's python3-torch (./build.sh test installs it when it can; otherwise this test is reported skipped).</summary>
    [PythonTorchFact]
    public void ThePythonModuleGivesTheSameLogitsAndProbabilitiesUnderPyTorch()
    {
        using var dir = new TempDir();
        var batch = new[] { Clip(100, 1), Clip(100, 2) };
        WriteNpy(dir.File("batch.npy"), [.. batch[0].Values, .. batch[1].Values], 2, 100, 16);
        // Shorter than a window, several windows, and longer than max_frames (fed whole by whole-clip models).
        var clips = new[] { Clip(20, 3), Clip(77, 4), Clip(150, 5) };
        for (int c = 0; c < clips.Length; c++) WriteNpy(dir.File($"clip{c}.npy"), clips[c].Values, clips[c].Frames, 16);

        var jobs = new List<object>();
        var ours = new List<(float[] Logits, float[][] Probabilities)>();
        // Every variant, and an ensemble file (--members) with a hop of a third of its windows, scored at band shifts 0, ±1, ±2.
        var paths = ModelVariant.All.Select((variant, i) => WriteModel(dir, variant, i % 2 == 0 ? null : 30, seed: 20 + i)).ToList();
        paths.Add(WriteEnsemble(dir, windowFrames: 30, hopFrames: 10));
        string[] names = [.. ModelVariant.All.Select(v => v.Name), "ensemble"];
        foreach (var (path, i) in paths.Select((p, i) => (p, i)))
        {
            PyTorchExport.Export(path, dir.File($"e{i}"));
            using var loaded = ModelFile.Load(path);
            loaded.Model.eval();
            float[] logits;
            using (no_grad())
            using (var x = tensor([.. batch[0].Values, .. batch[1].Values], new long[] { 2, 100, 16 }))
            using (var y = loaded.Model.forward(x))
                logits = y.data<float>().ToArray();
            ours.Add((logits, ClipScorer.For(loaded, 4).Score(clips, CPU)));
            jobs.Add(new { export = dir.File($"e{i}.json"), resave = dir.File($"py{i}"), batch = dir.File("batch.npy"), clips = Enumerable.Range(0, clips.Length).Select(c => dir.File($"clip{c}.npy")).ToArray() });
        }
        File.WriteAllText(dir.File("jobs.json"), JsonSerializer.Serialize(jobs));

        var output = PythonTorch.Run(Driver, dir.File("jobs.json"));
        var theirs = JsonDocument.Parse(output).RootElement;
        for (int i = 0; i < ours.Count; i++)
        {
            float[] logits = theirs[i].GetProperty("logits").EnumerateArray().SelectMany(r => r.EnumerateArray()).Select(v => v.GetSingle()).ToArray();
            Assert.Equal(ours[i].Logits.Length, logits.Length);
            // float32 on both sides, different conv kernels: agreement to ~1e-5 of the logits' scale.
            double scale = Math.Max(1, ours[i].Logits.Max(Math.Abs));
            for (int j = 0; j < logits.Length; j++)
                Assert.True(Math.Abs(logits[j] - ours[i].Logits[j]) <= 1e-4 * scale, $"{names[i]} logit {j}: ours {ours[i].Logits[j]}, PyTorch {logits[j]}");
            var probabilities = theirs[i].GetProperty("probabilities");
            for (int c = 0; c < clips.Length; c++)
            {
                float[] p = probabilities[c].EnumerateArray().Select(v => v.GetSingle()).ToArray();
                for (int k = 0; k < p.Length; k++)
                    Assert.True(Math.Abs(p[k] - ours[i].Probabilities[c][k]) <= 1e-5, $"{names[i]} clip {c} class {k}: ours {ours[i].Probabilities[c][k]}, PyTorch {p[k]}");
            }
            // Weights written by PyTorch (the module's save) import into a model file with the same tensors.
            PyTorchExport.Import(dir.File($"py{i}.json"), dir.File($"py{i}.fstmodel"));
            using var original = ModelFile.Load(paths[i]);
            using var imported = ModelFile.Load(dir.File($"py{i}.fstmodel"));
            Assert.Equal(original.Metadata.WindowFrames, imported.Metadata.WindowFrames);
            Assert.Equal(original.Metadata.ScoringHopFrames, imported.Metadata.ScoringHopFrames);
            Assert.Equal(original.Metadata.MemberCount, imported.Metadata.MemberCount);
            Assert.Equal(original.Metadata.ScoringBandShifts, imported.Metadata.ScoringBandShifts);
            var (sa, sb) = (original.Model.state_dict(), imported.Model.state_dict());
            foreach (var key in sa.Keys) Assert.True(sa[key].dtype == sb[key].dtype && sa[key].eq(sb[key]).all().item<bool>(), key);
        }
    }

    private const string Driver = """
        import json, sys
        import numpy as np, torch
        sys.path.insert(0, sys.argv[1])
        import freesound_tagging as ft
        out = []
        for job in json.load(open(sys.argv[2])):
            model = ft.load(job["export"])
            with torch.no_grad():
                logits = model(torch.from_numpy(np.load(job["batch"]))).numpy()
            out.append({"logits": logits.tolist(), "probabilities": [ft.predict_proba(model, np.load(c)).tolist() for c in job["clips"]]})
            ft.save(model, job["resave"])
        print(json.dumps(out))
        """;
}

/// <summary>Debian's /usr/bin/python3 with torch and numpy, if this machine has them.</summary>
internal static class PythonTorch
{
    public const string Interpreter = "/usr/bin/python3";

    private static readonly Lazy<string?> Missing = new(() =>
    {
        if (!File.Exists(Interpreter)) return $"{Interpreter} not found";
        try
        {
            var (exit, _, err) = Exec("-c", "import torch, numpy");
            return exit == 0 ? null : $"{Interpreter} cannot import torch and numpy ({err.Trim().Split('\n')[^1]}); install them with: apt-get install python3-torch python3-numpy (./build.sh test does when run as root)";
        }
        catch (Exception e)
        {
            return $"cannot run {Interpreter} ({e.Message})";
        }
    });

    /// <summary>Why the Python tests cannot run, or null when they can.</summary>
    public static string? WhyNot => Missing.Value;

    public static string ModuleFolder
    {
        get
        {
            var dir = new DirectoryInfo(AppContext.BaseDirectory);
            while (dir is not null && !Directory.Exists(Path.Combine(dir.FullName, "src", "python"))) dir = dir.Parent;
            return Path.Combine(dir?.FullName ?? throw new DirectoryNotFoundException("src/python not found above the test binaries"), "src", "python");
        }
    }

    /// <summary>Runs <paramref name="script"/> with the module folder and <paramref name="argument"/> as arguments; its stdout.</summary>
    public static string Run(string script, string argument)
    {
        string file = Path.Combine(Path.GetTempPath(), $"fst-driver-{Guid.NewGuid():N}.py");
        File.WriteAllText(file, script);
        try
        {
            var (exit, output, err) = Exec(file, ModuleFolder, argument);
            Assert.True(exit == 0, $"python failed ({exit}): {err}");
            return output;
        }
        finally
        {
            File.Delete(file);
        }
    }

    private static (int Exit, string Out, string Err) Exec(params string[] args)
    {
        var start = new ProcessStartInfo(Interpreter) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var stderr = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, stdout, stderr.Result);
    }
}

/// <summary>A fact that is reported skipped, with the reason, where /usr/bin/python3 cannot import torch.</summary>
public sealed class PythonTorchFactAttribute : FactAttribute
{
    public PythonTorchFactAttribute()
    {
        if (PythonTorch.WhyNot is { } reason) Skip = reason;
    }
}
