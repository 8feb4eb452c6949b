using FreesoundTagging.Models;
using FreesoundTagging.Training;

namespace FreesoundTagging.Inference;

/// <summary>A file's best labels with their probabilities, best first; or why it could not be tagged.</summary>
public sealed record FileTags(string Path, IReadOnlyList<(string Label, float Probability)> Top, string? Error);

/// <summary>predict's tagging mode: top labels for any WAV files or folders of them, no competition files.</summary>
public static class TaggingJob
{
    public static IReadOnlyList<FileTags> Run(IReadOnlyList<string> modelPaths, IReadOnlyList<string> inputs, int top = 3, int threads = 0, string device = "auto",
        IProgress<PredictionProgress>? progress = null, CancellationToken cancel = default, EnsembleMean mean = EnsembleMean.Arithmetic)
    {
        var files = Expand(inputs);
        using var loaded = ModelEnsemble.Load(modelPaths);
        var predictions = loaded.CreatePredictor(Predictor.DefaultBatchSize, threads, device, mean).Predict(files, progress, cancel);
        return predictions.Select(p => new FileTags(p.Path,
            p.Probabilities is { } probs ? RankingMetrics.TopK(probs, top).Select(c => (loaded.Classes[c], probs[c])).ToList() : [],
            p.Error)).ToList();
    }

    /// <summary>Files as given, folders as their *.wav files (sorted); a path that does not exist is an error.</summary>
    public static List<string> Expand(IReadOnlyList<string> inputs)
    {
        var files = new List<string>();
        foreach (string input in inputs)
        {
            if (Directory.Exists(input))
            {
                var wavs = Directory.EnumerateFiles(input).Where(f => f.EndsWith(".wav", StringComparison.OrdinalIgnoreCase)).Order(StringComparer.Ordinal).ToList();
                if (wavs.Count == 0) throw new InvalidInputException("folder holds no .wav files", input);
                files.AddRange(wavs);
            }
            else if (File.Exists(input)) files.Add(input);
            else throw new InvalidInputException("no such file or folder", input);
        }
        return files;
    }
}
