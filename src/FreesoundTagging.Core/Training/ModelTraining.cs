using FreesoundTagging.IO;
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

    /// <summary>Where fold <paramref name="fold"/> (0-based) of a K-fold run is saved: model.fstmodel → model.fold1.fstmodel.</summary>
    public string FoldPath(int fold)
    {
        string extension = Path.GetExtension(SavePath);
        return SavePath[..^extension.Length] + $".fold{fold + 1}" + extension;
    }
}

/// <summary>What <c>model</c> wrote.</summary>
public sealed record TrainResult(string ModelPath, string PlotPath, string CheckpointPath, TrainingHistory History, long Parameters, int Rows, IReadOnlyList<string> Classes);

/// <summary>What <c>model --folds K</c> wrote: one model per fold, each validated on its held-out fold.</summary>
public sealed record CrossValidationResult(IReadOnlyList<TrainResult> Folds)
{
    /// <summary>Each fold's validation MAP@3 after its last epoch.</summary>
    public IReadOnlyList<double> Map3 => Folds.Select(f => f.History.Epochs[^1].MeanAveragePrecisionAt3 ?? double.NaN).ToList();

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
    public static TrainResult Run(TrainRequest request, IProgress<TrainingProgress>? progress = null, Action<EpochRecord>? epochDone = null, CancellationToken cancel = default)
    {
        CheckRequest(request);
        using var data = OpenData(request);
        return Train(data, request, progress, epochDone, cancel);
    }

    /// <summary>
    /// K-fold cross-validation: K models, fold k held out from model k and used as its validation set, all folds
    /// drawn with one seed. With <see cref="TrainRequest.Resume"/>, folds already finished are kept and an
    /// interrupted one continues from its checkpoint.
    /// </summary>
    public static CrossValidationResult RunFolds(TrainRequest request, Action<int, int>? foldStarting = null, IProgress<TrainingProgress>? progress = null,
        Action<EpochRecord>? epochDone = null, CancellationToken cancel = default)
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
            results.Add(request.Resume && Finished(foldRequest, data.Count) is { } done ? done : Train(data, foldRequest with { Resume = request.Resume && File.Exists(foldRequest.CheckpointPath) }, progress, epochDone, cancel));
        }
        return new CrossValidationResult(results);
    }

    private static TrainResult Train(TrainingSet data, TrainRequest request, IProgress<TrainingProgress>? progress, Action<EpochRecord>? epochDone, CancellationToken cancel)
    {
        var variant = ModelVariant.Parse(request.Options.Variant);
        int channels = data.Features.MelCount, classes = data.Classes.Count;
        using var outputLock = OutputLock.Acquire([request.SavePath]);
        var trainer = new Trainer(data, request.Options, () => variant.Create(channels, classes), request.CheckpointPath);
        var outcome = trainer.Run(request.Resume, progress, epochDone, cancel);
        using var model = (TaggingModel)outcome.Model;
        var history = new TrainingHistory(outcome.History, outcome.Seed, outcome.History.Sum(e => e.Seconds), request.Options.Bucket,
            (request.Options with { Seed = outcome.Seed }).Describe(), data.Count);
        ModelFile.Save(request.SavePath, model, data.Classes, data.Features, history, request.Options.CropFrames(data.Features));
        TrainingCurvesPlot.Save(request.PlotPath, outcome.History, $"{variant.Name} on {data.Count} clips");
        return new TrainResult(request.SavePath, request.PlotPath, request.CheckpointPath, history, model.ParameterCount(), data.Count, data.Classes);
    }

    /// <summary>A fold whose model was saved and whose checkpoint says it ran all its epochs, or null.</summary>
    private static TrainResult? Finished(TrainRequest fold, int rows)
    {
        if (!File.Exists(fold.SavePath) || !File.Exists(fold.CheckpointPath)) return null;
        var state = TrainingCheckpoint.ReadState(fold.CheckpointPath);
        if (state.Epoch < fold.Options.Epochs) return null;
        var metadata = ModelFile.ReadMetadata(fold.SavePath);
        var variant = ModelVariant.Parse(metadata.Variant);
        return new TrainResult(fold.SavePath, fold.PlotPath, fold.CheckpointPath, metadata.History,
            variant.ParameterCount(metadata.Features.MelCount, metadata.Classes.Count), rows, metadata.Classes);
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
            runs.SelectMany(r => new[] { new RunFile("the model", r.SavePath), new RunFile("the checkpoint", r.CheckpointPath), new RunFile("the curves plot", r.PlotPath) }));
    }

    private static TrainingSet OpenData(TrainRequest request) => TrainingSet.Open(request.DataDirs.Select(DatasetFiles.In).ToList());
}
