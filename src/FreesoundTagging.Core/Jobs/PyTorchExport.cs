using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using FreesoundTagging.Features;
using FreesoundTagging.IO;
using FreesoundTagging.Models;
using FreesoundTagging.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace FreesoundTagging.Jobs;

/// <summary>The two files of an export: the weights and their description.</summary>
public sealed record ExportPaths(string WeightsPath, string DescriptionPath)
{
    /// <summary>prefix → prefix.safetensors and prefix.json.</summary>
    public static ExportPaths For(string prefix) => new(prefix + ".safetensors", prefix + ".json");
}

/// <summary>
/// A model file as PyTorch can take it: the state dict as safetensors (the same keys as TorchSharp's, which are
/// PyTorch's: conv1.weight, blocks.0.1.running_mean …) and a JSON of the variant, the classes in output order,
/// the feature settings in librosa's vocabulary (sr, n_fft, hop_length, n_mels, fmin, fmax) and how predict feeds
/// the network (sliding windows or whole clips). src/python/freesound_tagging.py builds the network and loads both.
/// Import is the same path backwards: a PyTorch state dict saved in that layout becomes a model file.
/// </summary>
public static class PyTorchExport
{
    /// <summary>2: enumeration values spelled as on the command line (log_reference "clip-peak").</summary>
    public const string Format = "freesound-tagging-pytorch/2";

    /// <summary>Exports of earlier builds: the same keys, with log_reference "clip_peak"; still imported.</summary>
    public const string FirstFormat = "freesound-tagging-pytorch/1";

    /// <summary>The largest export description read: a few kilobytes of settings and class names.</summary>
    public const long MaxDescriptionBytes = 16 << 20;

    /// <summary>The variants src/python/freesound_tagging.py builds: every one this build trains
    /// (<c>Interop/PythonBuildersTests</c> fails when the module lacks one). A model file naming any other would
    /// export files PyTorch cannot load, so it is refused.</summary>
    public static IReadOnlyList<string> PythonVariants => [.. ModelVariant.All.Select(v => v.Name)];

    /// <exception cref="InvalidInputException">The Python module cannot build <paramref name="variant"/>.</exception>
    public static void CheckLoadable(string variant, string modelPath)
    {
        if (!PythonVariants.Contains(variant))
            throw new InvalidInputException($"variant {variant} cannot be exported yet: src/python/freesound_tagging.py builds only {string.Join(", ", PythonVariants)}, so PyTorch could not load it", modelPath);
    }

    public static ExportPaths Export(string modelPath, string prefix)
    {
        Torch.TorchRuntime.Initialise();
        using var loaded = ModelFile.Load(modelPath);
        CheckLoadable(loaded.Variant.Name, modelPath);
        var paths = ExportPaths.For(prefix);
        if (SamePath(paths.WeightsPath, modelPath) || SamePath(paths.DescriptionPath, modelPath))
            throw new InvalidInputException("the export would overwrite the model file; give another output prefix", modelPath);
        // The same check by file identity (symlinks, hard links, "..").
        OutputGuard.Check([new RunFile("model", modelPath)], [new RunFile("the exported weights", paths.WeightsPath), new RunFile("the export description", paths.DescriptionPath)]);
        var tensors = new Dictionary<string, SafeTensor>(StringComparer.Ordinal);
        foreach (var (name, t) in loaded.Model.state_dict())
        {
            using var cpu = t.detach().cpu().contiguous();
            tensors[name] = cpu.dtype switch
            {
                ScalarType.Float32 => new SafeTensor("F32", cpu.shape, MemoryMarshal.AsBytes(cpu.data<float>().ToArray().AsSpan()).ToArray()),
                ScalarType.Int64 => new SafeTensor("I64", cpu.shape, MemoryMarshal.AsBytes(cpu.data<long>().ToArray().AsSpan()).ToArray()),
                _ => throw new InvalidOperationException($"unexpected dtype {cpu.dtype} of {name}"),
            };
        }
        Safetensors.Write(paths.WeightsPath, tensors, new Dictionary<string, string> { ["format"] = Format, ["variant"] = loaded.Variant.Name });
        AtomicFile.WriteAllText(paths.DescriptionPath, Describe(loaded, Path.GetFileName(paths.WeightsPath)).ToJsonString(JsonFormat.Options) + "\n");
        return paths;
    }

    /// <summary>Builds a model file from an export (or a PyTorch state dict saved in its layout) and its JSON.</summary>
    /// <exception cref="InvalidInputException">Missing or inconsistent files, missing or misshapen tensors.</exception>
    public static void Import(string descriptionPath, string modelPath)
    {
        Torch.TorchRuntime.Initialise();
        string text = RegularFile.ReadAllText(descriptionPath, "an export description (.json)", MaxDescriptionBytes);

        if (!File.Exists(descriptionPath)) throw new InvalidInputException("file not found", descriptionPath);
        if (IO.RegularFile.Problem(descriptionPath, "a JSON export description") is { } problem) throw new InvalidInputException(problem, descriptionPath);
        if (Safetensors.LooksLike(descriptionPath))
            throw new InvalidInputException($"is the weights (safetensors); import takes the JSON description written beside them ({Path.ChangeExtension(descriptionPath, ".json")}), which names its weights", descriptionPath);
        JsonObject d;
        try
        {
            d = JsonNode.Parse(text)?.AsObject() ?? throw new JsonException("empty");
        }
        catch (JsonException e)
        {
            // The parser's own words ("'0xEF' is an invalid start of a value. LineNumber: 0 | ...") help no one.
            string where = e.LineNumber is { } line ? $" (line {line + 1})" : "";
            throw new InvalidInputException($"is not a JSON export description: not valid JSON{where}; give the .json that `model export` or freesound_tagging.save wrote", descriptionPath, e);
        }
        catch (InvalidOperationException e)
        {
            throw new InvalidInputException("is not a JSON export description: the JSON is not an object; give the .json that `model export` or freesound_tagging.save wrote", descriptionPath, e);
        }
        string weightsPath;
        ModelVariant variant;
        List<string> classes;
        FeatureConfig features;
        int? window, hop;
        int shifts;
        int members;
        bool bucketed;
        try
        {
            if (d["format"]?.GetValue<string>() is not (Format or FirstFormat)) throw new FormatException($"format is not {Format}");
            weightsPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(descriptionPath))!, d["weights"]!.GetValue<string>());
            variant = ModelVariant.Parse(d["variant"]!.GetValue<string>());
            classes = d["classes"]!.AsArray().Select(c => c!.GetValue<string>()).ToList();
            var f = d["features"]!;
            features = new FeatureConfig
            {
                SampleRate = f["sr"]!.GetValue<int>(), FftSize = f["n_fft"]!.GetValue<int>(), HopLength = f["hop_length"]!.GetValue<int>(),
                MelCount = f["n_mels"]!.GetValue<int>(), FMinHz = f["fmin"]!.GetValue<double>(), FMaxHz = f["fmax"]!.GetValue<double>(),
                PadMode = Spelled<StftPadMode>(f["pad_mode"]!.GetValue<string>(), "pad_mode"),
                LogOffset = f["log_offset"]!.GetValue<double>(), MaxFrames = f["max_frames"]!.GetValue<int>(),
                // Absent from descriptions written before the option existed, which were all absolute.
                LogReference = Spelled<LogReference>(f["log_reference"]?.GetValue<string>() ?? "absolute", "log_reference"),
            };
            window = d["window_frames"]?.GetValue<int?>();
            hop = d["window_hop_frames"]?.GetValue<int?>();
            members = d["members"]?.GetValue<int?>() ?? 1;
            shifts = d["band_shifts"]?.GetValue<int?>() ?? 0;
            if (members is < 1 or > ModelFile.MaxMembers) throw new FormatException($"members must be 1 to {ModelFile.MaxMembers} (got {members})");
            bucketed = d["length_bucketed"]?.GetValue<bool>() ?? false;
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException or NullReferenceException or KeyNotFoundException)
        {
            throw new InvalidInputException($"not an export description ({e.Message.Split('\n')[0]})", descriptionPath, e);
        }
        var problems = features.Problems();
        if (problems.Count > 0) throw new InvalidSettingsException(problems, $"feature settings in {descriptionPath}");
        if (classes.Count == 0) throw new InvalidInputException("the description lists no classes", descriptionPath);

        // Both files it reads are inputs: the model must not replace the description or the weights it names.
        OutputGuard.Check([new RunFile("description", descriptionPath), new RunFile("weights", weightsPath)], [new RunFile("the model", modelPath)]);
        var (tensors, _) = Safetensors.Read(weightsPath);
        using var model = MemberAverage.Create(variant, members, features.MelCount, classes.Count);
        var state = model.state_dict();
        var missing = state.Keys.Where(k => !tensors.ContainsKey(k)).ToList();
        var extra = tensors.Keys.Where(k => !state.ContainsKey(k)).ToList();
        if (missing.Count > 0 || extra.Count > 0)
            throw new InvalidInputException($"the tensors do not fit a {variant.Name} model (missing: {string.Join(", ", missing.DefaultIfEmpty("none"))}; unexpected: {string.Join(", ", extra.DefaultIfEmpty("none"))})", weightsPath);
        using (no_grad())
        {
            foreach (var (name, target) in state)
            {
                var t = tensors[name];
                if (!t.Shape.SequenceEqual(target.shape))
                    throw new InvalidInputException($"tensor '{name}' has shape ({string.Join(", ", t.Shape)}), a {variant.Name} model with {features.MelCount} bands and {classes.Count} classes needs ({string.Join(", ", target.shape)})", weightsPath);
                // A NaN weight makes every probability NaN: predict would rank classes by nothing.
                if (Safetensors.FirstNonFinite(t) is { } bad)
                    throw new InvalidInputException($"tensor '{name}' holds {bad.Value} at element {bad.Index}; weights must be finite numbers", weightsPath);
                using var source = t.Dtype switch
                {
                    "F32" => torch.tensor(MemoryMarshal.Cast<byte, float>(t.Data).ToArray(), t.Shape),
                    "F64" => torch.tensor(MemoryMarshal.Cast<byte, double>(t.Data).ToArray(), t.Shape),
                    "I64" => torch.tensor(MemoryMarshal.Cast<byte, long>(t.Data).ToArray(), t.Shape),
                    _ => torch.tensor(MemoryMarshal.Cast<byte, int>(t.Data).ToArray(), t.Shape),
                };
                target.copy_(source);
            }
        }
        var history = TrainingHistory.Empty with { LengthBucketed = bucketed, Recipe = $"imported from {Path.GetFileName(weightsPath)}" };
        try
        {
            ModelFile.Save(modelPath, model, classes, features, history, window, hop, shifts);
        }
        catch (ArgumentException e)
        {
            throw new InvalidInputException(e.Message, descriptionPath, e);
        }
    }

    private static JsonObject Describe(LoadedModel m, string weightsFile)
    {
        var f = m.Features;
        return new JsonObject
        {
            ["format"] = Format,
            ["weights"] = weightsFile,
            ["variant"] = m.Variant.Name,
            ["classes"] = new JsonArray(m.Classes.Select(c => (JsonNode)c).ToArray()),
            ["features"] = new JsonObject
            {
                ["sr"] = f.SampleRate, ["n_fft"] = f.FftSize, ["hop_length"] = f.HopLength, ["n_mels"] = f.MelCount,
                ["fmin"] = f.FMinHz, ["fmax"] = f.FMaxHz, ["pad_mode"] = EnumSpelling.Spell(f.PadMode),
                ["power"] = 2.0, ["mel_norm"] = "slaney", ["htk"] = false, ["log_offset"] = f.LogOffset, ["max_frames"] = f.MaxFrames,
                ["log_reference"] = EnumSpelling.Spell(f.LogReference),
                ["log"] = f.LogReference == LogReference.ClipPeak ? "ln(mel / max(mel over the whole clip) + log_offset)" : "ln(mel + log_offset)",
                ["input_layout"] = "(N, frames, n_mels)",
            },
            // How predict feeds the network: windows of this many frames sliding by half a window, averaged (null:
            // whole clips, zero-padded to max_frames).
            ["window_frames"] = m.Metadata.WindowFrames,
            ["window_hop_frames"] = m.Metadata.ScoringHopFrames,
            // An ensemble file: the state dict holds members.0. … members.(K-1). and predict averages their softmax.
            ["members"] = m.Metadata.MemberCount,
            // Test-time augmentation: each window is also fed shifted by ±1 … ±band_shifts mel bands (the bands it
            // uncovers repeat the edge band) and the softmax of all of them is averaged.
            ["band_shifts"] = m.Metadata.ScoringBandShifts,
            ["length_bucketed"] = m.History.LengthBucketed,
            ["recipe"] = m.History.Recipe,
        };
    }

    /// <summary>An enumeration value in any of its spellings (an export of format 1 wrote "clip_peak").</summary>
    private static TEnum Spelled<TEnum>(string text, string key) where TEnum : struct, Enum =>
        EnumSpelling.Parse<TEnum>(text)
        ?? throw new FormatException($"{key} must be {string.Join(" or ", Enum.GetValues<TEnum>().Select(v => EnumSpelling.Spell(v)))} (got {text})");

    private static bool SamePath(string a, string b) => string.Equals(Path.GetFullPath(a), Path.GetFullPath(b), StringComparison.Ordinal);
}
