using FreesoundTagging.IO;
using FreesoundTagging.Metrics;
using FreesoundTagging.Models;
using FreesoundTagging.Scoring;
using FreesoundTagging.Inference;

namespace FreesoundTagging.Jobs;

/// <summary>What <c>predict</c> is asked to do in competition mode.</summary>
public sealed record SubmissionRequest
{
    /// <summary>One model file, or several whose probabilities are averaged.</summary>
    public required IReadOnlyList<string> ModelPaths { get; init; }

    public EnsembleMean Mean { get; init; } = EnsembleMean.Arithmetic;

    public required string AudioDir { get; init; }

    public required string SampleSubmissionCsv { get; init; }

    /// <summary>The training CSV: its class order must equal the model's. Null to skip the check.</summary>
    public string? TrainCsv { get; init; }

    public required string OutputCsv { get; init; }

    /// <summary>Also write the (N, C) softmax matrix here (rows of unscored clips are NaN).</summary>
    public string? ProbabilitiesPath { get; init; }

    /// <summary>fname,label CSV of true labels: report the submission's MAP@3.</summary>
    public string? TruthCsv { get; init; }

    public int BatchSize { get; init; } = Predictor.DefaultBatchSize;

    public int Threads { get; init; } = Environment.ProcessorCount;

    public string Device { get; init; } = "auto";

    /// <summary>Write the submission however many clips keep their sample_submission label (as long as one was
    /// scored); otherwise more than <see cref="SubmissionJob.AllowedFallbacks"/> is refused.</summary>
    public bool AllowFallbacks { get; init; }
}

/// <summary>A clip that got its sample_submission label because it could not be scored.</summary>
public sealed record FallbackClip(string Fname, string Label, string Reason);

/// <summary>What <c>predict</c> wrote.</summary>
public sealed record SubmissionResult(
    string OutputCsv, int Rows, IReadOnlyList<FallbackClip> Fallbacks, double? Map3, int TruthRows, double AudioSeconds, TimeSpan Elapsed, string? ProbabilitiesPath,
    IReadOnlyList<string>? TruthLabelsNotInModel = null, int Classes = 0);

/// <summary>
/// predict's competition mode: model + audio folder + sample_submission.csv → a Kaggle submission with the
/// three most probable labels per clip, best first, in sample_submission's row order.
/// </summary>
public static class SubmissionJob
{
    public static SubmissionResult Run(SubmissionRequest request, IProgress<PredictionProgress>? progress = null, CancellationToken cancel = default)
    {
        if (!Directory.Exists(request.AudioDir)) throw new InvalidInputException(File.Exists(request.AudioDir) ? "is a file, expected the folder holding the audio" : RegularFile.TooLong(request.AudioDir) ?? "audio folder not found", request.AudioDir);
        var template = SubmissionTemplate.Read(request.SampleSubmissionCsv);
        var truth = request.TruthCsv is null ? null : ReadTruth(request.TruthCsv);
        OutputGuard.Check(
            [.. request.ModelPaths.Select(m => new RunFile("model", m)), new RunFile("sample_submission.csv", request.SampleSubmissionCsv),
             .. request.TrainCsv is null ? Array.Empty<RunFile>() : [new RunFile("train.csv", request.TrainCsv)],
             .. request.TruthCsv is null ? Array.Empty<RunFile>() : [new RunFile("--truth CSV", request.TruthCsv)],
             .. template.Rows.Select(r => new RunFile("clip", Path.Combine(request.AudioDir, r.Fname)))],
            [new RunFile("the submission", request.OutputCsv), .. request.ProbabilitiesPath is null ? Array.Empty<RunFile>() : [new RunFile("--probabilities", request.ProbabilitiesPath)]]);
        // The wrong audio folder (audio_train/ for audio_test/) leaves every clip unfound: say so before any work.
        var missing = template.Rows.Where(r => !Path.Exists(Path.Combine(request.AudioDir, r.Fname)))
            .Select(r => new FallbackClip(r.Fname, r.FallbackLabel, "file not found")).ToList();
        CheckFallbacks(request, template.Rows.Count, missing);
        using var outputLock = OutputLock.Acquire([request.OutputCsv, .. request.ProbabilitiesPath is null ? Array.Empty<string>() : [request.ProbabilitiesPath]]);
        using var loaded = ModelEnsemble.Load(request.ModelPaths);
        if (request.TrainCsv is not null) loaded.Models[0].EnsureClasses(TrainManifest.ReadClasses(request.TrainCsv));
        CheckOutput(request.OutputCsv);
        if (request.ProbabilitiesPath is not null) CheckOutput(request.ProbabilitiesPath);

        var clock = System.Diagnostics.Stopwatch.StartNew();
        var predictor = loaded.CreatePredictor(request.BatchSize, request.Threads, request.Device, request.Mean);
        var paths = template.Rows.Select(r => Path.Combine(request.AudioDir, r.Fname)).ToList();
        var predictions = predictor.Predict(paths, progress, cancel);

        var entries = new List<SubmissionEntry>(template.Rows.Count);
        var fallbacks = new List<FallbackClip>();
        for (int i = 0; i < template.Rows.Count; i++)
        {
            var row = template.Rows[i];
            if (predictions[i].Probabilities is { } p)
            {
                entries.Add(new SubmissionEntry(row.Fname, RankingMetrics.TopK(p, 3).Select(c => loaded.Classes[c]).ToList()));
            }
            else
            {
                var labels = row.FallbackLabel.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                entries.Add(new SubmissionEntry(row.Fname, labels));
                fallbacks.Add(new FallbackClip(row.Fname, row.FallbackLabel, predictions[i].Error ?? "not scored"));
            }
        }
        CheckFallbacks(request, template.Rows.Count, fallbacks);
        // Both outputs are written in full under temporary names before either is renamed into place, so a full
        // disk leaves neither (not a fresh p.npy beside a missing submission).
        using (var probabilities = request.ProbabilitiesPath is null ? null : WriteProbabilities(request.ProbabilitiesPath, predictions, loaded.Classes.Count))
        using (var submission = SubmissionWriter.Prepare(request.OutputCsv, entries))
        {
            submission.Stream.Flush(flushToDisk: true);
            probabilities?.Commit();
            submission.Commit();
        }

        double? map3 = null;
        int truthRows = 0;
        if (truth is not null)
        {
            double sum = 0;
            foreach (var e in entries)
            {
                if (!truth.TryGetValue(e.Fname, out string? label)) continue;
                truthRows++;
                int rank = e.Labels.Take(3).ToList().IndexOf(label);
                sum += rank < 0 ? 0 : 1.0 / (rank + 1);
            }
            if (truthRows == 0) throw new InvalidCsvException("names none of the clips in the submission", request.TruthCsv);
            map3 = sum / truthRows;
        }
        // A truth label the model cannot output scores 0 for every clip it names: say so rather than report a low MAP@3 silently.
        var unknownLabels = truth?.Values.Distinct(StringComparer.Ordinal).Where(l => !loaded.Classes.Contains(l, StringComparer.Ordinal)).Order(StringComparer.Ordinal).ToList();
        return new SubmissionResult(request.OutputCsv, entries.Count, fallbacks, map3, truthRows, predictions.Sum(p => p.Seconds), clock.Elapsed, request.ProbabilitiesPath, unknownLabels, loaded.Classes.Count);
    }

    /// <summary>Clips a submission may leave at their sample_submission label without --allow-fallbacks: one clip, or
    /// 5 % of them when that is more. A damaged test clip or two must not block a submission; a placeholder for a
    /// large share of it (a wrong folder, a missing decoder) is not a submission anyone means to upload.</summary>
    public static int AllowedFallbacks(int rows) => Math.Max(1, rows / 20);

    /// <summary>Refuses a submission where no clip, or more than the allowed share, would carry its placeholder label.</summary>
    private static void CheckFallbacks(SubmissionRequest request, int rows, IReadOnlyList<FallbackClip> fallbacks)
    {
        if (fallbacks.Count == 0) return;
        string first = $"first: {fallbacks[0].Fname}: {WithoutPath(fallbacks[0].Reason, fallbacks[0].Fname)}";
        if (fallbacks.Count >= rows)
        {
            string why = fallbacks.All(f => f.Reason == "file not found")
                ? "none of them is in this folder: is it the test audio folder? No submission written"
                : "no submission written";
            throw new InvalidInputException(
                $"none of the {rows} clips of {Path.GetFileName(request.SampleSubmissionCsv)} could be scored ({first}); {why}", request.AudioDir);
        }
        if (request.AllowFallbacks || fallbacks.Count <= AllowedFallbacks(rows)) return;
        throw new InvalidInputException(
            $"{fallbacks.Count} of {rows} clips could not be scored ({first}), more than the {AllowedFallbacks(rows)} a submission may keep at their sample_submission label; " +
            "no submission written: fix the clips, or add --allow-fallbacks to write it with those placeholders", request.AudioDir);
    }

    // A reason that starts with the clip's full path says only "path: problem"; the fname leads it already.
    private static string WithoutPath(string reason, string fname)
    {
        int at = reason.IndexOf(fname + ": ", StringComparison.Ordinal);
        return at >= 0 ? reason[(at + fname.Length + 2)..] : reason;
    }

    /// <summary>fname → label of a truth CSV (fname,label).</summary>
    public static Dictionary<string, string> ReadTruth(string path)
    {
        var records = CsvTable.Read(path, ["fname", "label"]);
        CsvTable.CheckUnique(records.Select(r => (CsvTable.CheckFileName(r.Values[0], path, r.Line), r.Line)), path);
        return records.ToDictionary(r => r.Values[0], r => r.Values[1], StringComparer.Ordinal);
    }

    private static void CheckOutput(string path)
    {
        string full = Path.GetFullPath(path);
        if (Directory.Exists(full)) throw new InvalidInputException("is a folder, expected a file to write", path);
        if (!Directory.Exists(Path.GetDirectoryName(full))) throw new InvalidInputException("output folder does not exist", Path.GetDirectoryName(full));
    }

    private static NpyRowWriter WriteProbabilities(string path, IReadOnlyList<ClipPrediction> predictions, int classes)
    {
        var writer = new NpyRowWriter(path, NpyDtype.Float32, classes);
        try
        {
            var unscored = Enumerable.Repeat(float.NaN, classes).ToArray();
            foreach (var p in predictions) writer.WriteRow(p.Probabilities ?? unscored);
        }
        catch
        {
            writer.Dispose();
            throw;
        }
        return writer;
    }
}
