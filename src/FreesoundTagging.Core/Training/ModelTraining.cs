using FreesoundTagging.Datasets;
using FreesoundTagging.Models;
using FreesoundTagging.Reporting;

namespace FreesoundTagging.Training;

/// <summary>What <c>model</c> is asked to do.</summary>
public sealed record TrainRequest
{
    /// <summary>Folders holding samples.npy, labels.npy and dataset.json (several = shards of one dataset).</summary>
    public IReadOnlyList<string> DataDirs { get; init; } = ["."];

    /// <summary>The model file to write (the original's save_name).</summary>
    public required string SavePath { get; init; }

    public TrainingOptions Options { get; init; } = new();

    /// <summary>Continue from SavePath's checkpoint instead of starting afresh.</summary>
    public bool Resume { get; init; }

    public string CheckpointPath => SavePath + ".ckpt";

    public string PlotPath => SavePath + ".curves.png";
}

/// <summary>What <c>model</c> wrote.</summary>
public sealed record TrainResult(string ModelPath, string PlotPath, string CheckpointPath, TrainingHistory History, long Parameters, int Rows, IReadOnlyList<string> Classes);

/// <summary>The <c>model</c> command's core: datasets → trained network → one self-describing model file.</summary>
public static class ModelTraining
{
    public static TrainResult Run(TrainRequest request, IProgress<TrainingProgress>? progress = null, Action<EpochRecord>? epochDone = null, CancellationToken cancel = default)
    {
        var variant = ModelVariant.Parse(request.Options.Variant);
        string? folder = Path.GetDirectoryName(Path.GetFullPath(request.SavePath));
        if (folder is null || !Directory.Exists(folder)) throw new InvalidInputException("folder for the model does not exist", folder ?? request.SavePath);
        if (Directory.Exists(request.SavePath)) throw new InvalidInputException("is a folder; give a file name for the model", request.SavePath);

        using var data = TrainingSet.Open(request.DataDirs.Select(DatasetFiles.In).ToList());
        int channels = data.Features.MelCount, classes = data.Classes.Count;
        var trainer = new Trainer(data, request.Options, () => Cnn1dModel.Create(variant, channels, classes), request.CheckpointPath);
        var outcome = trainer.Run(request.Resume, progress, epochDone, cancel);
        using var model = (Cnn1dModel)outcome.Model;
        var history = new TrainingHistory(outcome.History, outcome.Seed, outcome.History.Sum(e => e.Seconds), request.Options.Bucket);
        ModelFile.Save(request.SavePath, model, data.Classes, data.Features, history);
        TrainingCurvesPlot.Save(request.PlotPath, outcome.History, $"{variant.Name} on {data.Count} clips");
        return new TrainResult(request.SavePath, request.PlotPath, request.CheckpointPath, history,
            Cnn1dModel.ParameterCount(variant, channels, classes), data.Count, data.Classes);
    }
}
