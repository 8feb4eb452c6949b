using FreesoundTagging.IO;
using TorchSharp;
using FreesoundTagging.Datasets;
using FreesoundTagging.Models;
using FreesoundTagging.Reporting;

namespace FreesoundTagging.Training;

/// <summary>What <c>model</c> is asked to do.</summary>
public sealed record TrainRequest
{
    /// <summary>Folders holding samples.npy, labels.npy and dataset.json (several = shards of one dataset).</summary>
    public IReadOnlyList<string> DataDirs { get; init; } = ["."];

    /// <summary>The model file to write (the original's save_name); with folds, each fold's file is named after it.</summary>
    public required string SavePath { get; init; }

    public TrainingOptions Options { get; init; } = new();

    /// <summary>Continue from SavePath's checkpoint instead of starting afresh.</summary>
    public bool Resume { get; init; }

    public string CheckpointPath => SavePath + ".ckpt";

    public string PlotPath => SavePath + ".curves.png";

    /// <summary>The recipe the options were expanded from (a built-in name or a recipe file), recorded in the model.</summary>
    public string? RecipeName { get; init; }

    /// <summary>Where the per-class results of a validated run go: the table (.perclass.csv), the bar chart
    /// (.perclass.png) and the confusion matrix (.confusion.png), next to the model.</summary>
    public ClassReportPaths ReportPaths => ClassReportPaths.Beside(SavePath);

    /// <summary>Where fold <paramref name="fold"/> (0-based) of a K-fold run is saved: model.fstmodel → model.fold1.fstmodel.</summary>
    public string FoldPath(int fold)
    {
        string extension = Path.GetExtension(SavePath);
        return SavePath[..^extension.Length] + $".fold{fold + 1}" + extension;
    }
}

/// <summary>What <c>model</c> wrote.</summary>
/// <param name="Rows">Rows of the dataset; <paramref name="TrainRows"/> of them were trained on, <paramref name="ValidationRows"/> held out.</param>
/// <param name="Validation">The kept model's scores on the held-out rows, null without validation.</param>
/// <param name="Report">The per-class files written for this model, null without validation.</param>
public sealed record TrainResult(string ModelPath, string PlotPath, string CheckpointPath, TrainingHistory History, long Parameters, int Rows, IReadOnlyList<string> Classes,
    int TrainRows = 0, int ValidationRows = 0, HeldOutScores? Validation = null, ClassReportPaths? Report = null);

/// <summary>Class probabilities of held-out rows: row-major, <see cref="Rows"/>.Length × classes.</summary>
public sealed record HeldOutScores(int[] Rows, float[] Scores);

/// <summary>What <c>model --folds K</c> wrote: one model per fold, each validated on its held-out fold.</summary>
/// <param name="OutOfFold">Per-class files over every row, each scored by the model that did not train on it.</param>
public sealed record CrossValidationResult(IReadOnlyList<TrainResult> Folds, ClassReportPaths? OutOfFold = null, double? OutOfFoldMap3 = null)
{
    /// <summary>Each fold's validation MAP@3 at its kept epoch (the last, or the best with --keep best).</summary>
    public IReadOnlyList<double> Map3 => Folds.Select(f => f.History.Kept?.MeanAveragePrecisionAt3 ?? double.NaN).ToList();

    public double MeanMap3 => Map3.Average();

    /// <summary>Sample standard deviation over the folds.</summary>
    public double StdMap3
    {
        get
        {
            double mean = MeanMap3;
            return Math.Sqrt(Map3.Sum(m => (m - mean) * (m - mean)) / Math.Max(Map3.Count - 1, 1));
        }
    }
}

/// <summary>The <c>model</c> command's core: datasets → trained network(s) → self-describing model file(s).</summary>
public static class ModelTraining
{
    /// <param name="resuming">Told the 1-based epoch and step a resumed run continues at.</param>
    public static TrainResult Run(TrainRequest request, IProgress<TrainingProgress>? progress = null, Action<EpochRecord>? epochDone = null, CancellationToken cancel = default,
        Action<int, int>? resuming = null)
    {
        CheckRequest(request);
        using var data = OpenData(request);
        var result = Train(data, request, progress, epochDone, cancel, resuming);
        if (result.Validation is not { } held) return result;
        var report = ClassReport.Compute(held.Scores, data.Classes, held.Rows.Select(r => data.Labels[r]).ToList());
        ClassReportFiles.Write(request.ReportPaths, report, $"{request.Options.Variant}, epoch {result.History.KeptEpoch} ({result.ValidationRows} validation clips)");
        return result with { Report = request.ReportPaths };
    }

    /// <summary>
    /// K-fold cross-validation: K models, fold k held out from model k and used as its validation set, all folds
    /// drawn with one seed. With <see cref="TrainRequest.Resume"/>, folds already finished are kept and an
    /// interrupted one continues from its checkpoint.
    /// </summary>
    public static CrossValidationResult RunFolds(TrainRequest request, Action<int, int>? foldStarting = null, IProgress<TrainingProgress>? progress = null,
        Action<EpochRecord>? epochDone = null, CancellationToken cancel = default, Action<int, int>? resuming = null)
    {
        int folds = request.Options.Folds;
        if (folds < 2) throw new InvalidInputException($"folds must be at least 2 (got {folds})");
        CheckRequest(request);
        using var data = OpenData(request);
        // Every fold must split the rows the same way, so the seed is fixed once for all of them (and a resumed
        // run takes it from the first fold's model or checkpoint).
        int seed = request.Options.Seed ?? (request.Resume ? SavedSeed(request) : null) ?? Random.Shared.Next();
        var results = new List<TrainResult>();
        for (int k = 0; k < folds; k++)
        {
            foldStarting?.Invoke(k, folds);
            var foldRequest = request with { SavePath = request.FoldPath(k), Options = request.Options with { Fold = k, Seed = seed } };
            results.Add(request.Resume && Finished(foldRequest, data) is { } done ? done : Train(data, foldRequest with { Resume = request.Resume && File.Exists(foldRequest.CheckpointPath) }, progress, epochDone, cancel, resuming));
        }
        // Out-of-fold: every row scored by the one model that did not train on it.
        var rows = results.SelectMany(r => r.Validation!.Rows).ToList();
        var scores = results.SelectMany(r => r.Validation!.Scores).ToArray();
        var truth = rows.Select(r => data.Labels[r]).ToList();
        var report = ClassReport.Compute(scores, data.Classes, truth);
        ClassReportFiles.Write(request.ReportPaths, report, $"{request.Options.Variant}, {folds} folds, out-of-fold ({rows.Count} clips)");
        return new CrossValidationResult(results, request.ReportPaths, RankingMetrics.MeanAveragePrecisionAt3(scores, data.Classes.Count, truth));
    }

    private static TrainResult Train(TrainingSet data, TrainRequest request, IProgress<TrainingProgress>? progress, Action<EpochRecord>? epochDone, CancellationToken cancel,
        Action<int, int>? resuming)
    {
        var variant = ModelVariant.Parse(request.Options.Variant);
        int channels = data.Features.MelCount, classes = data.Classes.Count;
        using var outputLock = OutputLock.Acquire([request.SavePath]);
        var trainer = new Trainer(data, request.Options, () => variant.Create(channels, classes), request.CheckpointPath);
        var outcome = trainer.Run(request.Resume, progress, epochDone, cancel, resuming);
        using var model = (TaggingModel)outcome.Model;
        var options = request.Options with { Seed = outcome.Seed };
        var history = new TrainingHistory(outcome.History, outcome.Seed, outcome.History.Sum(e => e.Seconds), request.Options.Bucket,
            options.Describe(), DatasetClips: data.Count, KeptEpoch: outcome.KeptEpoch, StoppedEarly: outcome.StoppedEarly, Options: options, RecipeName: request.RecipeName);
        ModelFile.Save(request.SavePath, model, data.Classes, data.Features, history, request.Options.CropFrames(data.Features));
        int validationRows = outcome.ValidationRows?.Length ?? 0;
        string counts = validationRows > 0 ? $"trained on {outcome.TrainRows} clips, validated on {validationRows}" : $"trained on {outcome.TrainRows} clips";
        TrainingCurvesPlot.Save(request.PlotPath, history, $"{variant.Name}, {counts}");
        var held = outcome.ValidationScores is { } s && validationRows > 0 ? new HeldOutScores(outcome.ValidationRows!, s) : null;
        return new TrainResult(request.SavePath, request.PlotPath, request.CheckpointPath, history, model.ParameterCount(), data.Count, data.Classes,
            outcome.TrainRows, validationRows, held);
    }

    /// <summary>A fold whose model was saved and whose checkpoint says it ran all its epochs, or null.</summary>
    private static TrainResult? Finished(TrainRequest fold, TrainingSet data)
    {
        if (!File.Exists(fold.SavePath) || !File.Exists(fold.CheckpointPath)) return null;
        var state = TrainingCheckpoint.ReadState(fold.CheckpointPath);
        if (state.Epoch < fold.Options.Epochs && !state.StoppedEarly) return null;
        var (trainRows, validationRows) = StratifiedSplit.Fold(data.Labels, fold.Options.Folds, fold.Options.Fold, state.Seed);
        // Its held-out scores were not kept: score them again with the saved model, as predict would.
        Runtime.TorchRuntime.Initialise(fold.Options.Threads);
        using var loaded = ModelFile.Load(fold.SavePath);
        var device = Runtime.TorchRuntime.ResolveDevice(fold.Options.Device);
        var scorer = Inference.ClipScorer.For(loaded, fold.Options.BatchSize);
        scorer.Model.to(device);
        loaded.Model.eval();

        var scores = new List<float>();
        foreach (var chunk in validationRows.Chunk(64))
            foreach (var row in scorer.Score(chunk.Select(data.ReadClip).ToList(), device)) scores.AddRange(row);
        return new TrainResult(fold.SavePath, fold.PlotPath, fold.CheckpointPath, loaded.History, loaded.Model.ParameterCount(), data.Count, loaded.Classes,
            trainRows.Length, validationRows.Length, new HeldOutScores(validationRows, scores.ToArray()));
    }

    private static int? SavedSeed(TrainRequest request)
    {
        var first = request with { SavePath = request.FoldPath(0) };
        return File.Exists(first.CheckpointPath) ? TrainingCheckpoint.ReadState(first.CheckpointPath).Seed : null;
    }

    /// <summary>Settings and save path checked before any data is opened, so a typo is reported first.</summary>
    private static void CheckRequest(TrainRequest request)
    {
        ModelVariant.Parse(request.Options.Variant);
        var problems = request.Options.Problems();
        if (problems.Count > 0) throw new InvalidSettingsException(problems, "training options");
        string? folder = Path.GetDirectoryName(Path.GetFullPath(request.SavePath));
        if (folder is null || !Directory.Exists(folder)) throw new InvalidInputException("folder for the model does not exist", folder ?? request.SavePath);
        if (Directory.Exists(request.SavePath)) throw new InvalidInputException("is a folder; give a file name for the model", request.SavePath);
        var runs = request.Options.Folds >= 2 ? Enumerable.Range(0, request.Options.Folds).Select(k => request with { SavePath = request.FoldPath(k) }).ToList() : [request];
        // With --resume the checkpoint is read and then replaced: that is the point, so it is not listed as an input.
        OutputGuard.Check(
            request.DataDirs.Select(DatasetFiles.In).SelectMany(f => new[] { new RunFile("samples.npy", f.SamplesPath), new RunFile("labels.npy", f.LabelsPath), new RunFile("dataset.json", f.DatasetPath) }),
            runs.Append(request).Distinct().SelectMany(r => new[]
            {
                new RunFile("the model", r.SavePath), new RunFile("the checkpoint", r.CheckpointPath), new RunFile("the curves plot", r.PlotPath),
                new RunFile("the per-class table", r.ReportPaths.TablePath), new RunFile("the per-class chart", r.ReportPaths.BarChartPath),
                new RunFile("the confusion matrix", r.ReportPaths.ConfusionPath),
            }));
    }

    private static TrainingSet OpenData(TrainRequest request) => TrainingSet.Open(request.DataDirs.Select(DatasetFiles.In).ToList());
}
