using System.CommandLine;
using FreesoundTagging.CommandLine;
using FreesoundTagging.Models;
using FreesoundTagging.Training;
using Spectre.Console;

namespace FreesoundTagging.Model;

/// <summary><c>model &lt;variant&gt; &lt;save_name&gt;</c>: train on what <c>inputs</c> wrote, save one model file.</summary>
public static class ModelCommand
{
    public static int Run(string[] args) => CommandRunner.Invoke(Create(), args);

    public static RootCommand Create()
    {
        var defaults = new TrainingOptions();
        var variant = new Argument<string>("variant") { Description = $"Network: {ModelVariant.ValidNames}" };
        var saveName = new Argument<string>("save_name") { Description = "Model file to write (weights, classes, feature settings, history)" };
        var data = new Option<string[]>("--data", "-d") { Description = "Folder(s) with samples.npy, labels.npy, dataset.json; several = shards of one dataset", DefaultValueFactory = _ => ["."], AllowMultipleArgumentsPerToken = true };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the data", DefaultValueFactory = _ => defaults.Epochs };
        var batch = new Option<int>("--batch-size") { Description = "Clips per step", DefaultValueFactory = _ => defaults.BatchSize };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate", DefaultValueFactory = _ => defaults.LearningRate };
        var seed = new Option<int?>("--seed") { Description = "Makes initialisation, dropout and shuffling reproducible (on CPU)" };
        var valFraction = new Option<double>("--val-fraction") { Description = "Share held out (stratified) to report validation loss, accuracy and MAP@3 each epoch", DefaultValueFactory = _ => 0 };
        var device = new Option<string>("--device") { Description = "auto, cpu or cuda[:N]", DefaultValueFactory = _ => "auto" };
        var threads = new Option<int>("--threads") { Description = "libtorch threads", DefaultValueFactory = _ => Environment.ProcessorCount };
        var bucket = new Option<bool>("--bucket") { Description = "Batch clips of similar length and crop each batch to its longest clip (faster)" };
        var resume = new Option<bool>("--resume") { Description = "Continue an interrupted run from <save_name>.ckpt" };

        var command = new RootCommand("Train a 1-D CNN on the log-mel arrays written by `inputs`.")
        {
            variant, saveName, data, epochs, batch, lr, seed, valFraction, device, threads, bucket, resume,
        };
        command.SetAction(parse => CommandRunner.Run(cancel =>
        {
            var request = new TrainRequest
            {
                SavePath = parse.GetRequiredValue(saveName),
                DataDirs = parse.GetValue(data) is { Length: > 0 } dirs ? dirs : ["."],
                Resume = parse.GetValue(resume),
                Options = new TrainingOptions
                {
                    Variant = ModelVariant.Parse(parse.GetRequiredValue(variant)).Name,
                    Epochs = parse.GetValue(epochs),
                    BatchSize = parse.GetValue(batch),
                    LearningRate = parse.GetValue(lr),
                    Seed = parse.GetValue(seed),
                    ValidationFraction = parse.GetValue(valFraction),
                    Device = parse.GetRequiredValue(device),
                    Threads = parse.GetValue(threads),
                    Bucket = parse.GetValue(bucket),
                },
            };
            try
            {
                var result = TrainingDisplay.Run(request.Options.Epochs, (progress, epochDone) => ModelTraining.Run(request, progress, epochDone, cancel));
                Summarise(result);
                return ExitCodes.Ok;
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                CommandRunner.Warning($"interrupted; progress saved in {request.CheckpointPath} - run the same command with --resume to continue");
                return ExitCodes.Interrupted;
            }
        }));
        return command;
    }

    private static void Summarise(TrainResult r)
    {
        var last = r.History.Epochs[^1];
        Console.WriteLine($"wrote {r.ModelPath} ({r.Parameters:N0} parameters, {r.Classes.Count} classes, trained on {r.Rows} clips in {Terminal.Duration(TimeSpan.FromSeconds(r.History.ElapsedSeconds))}, seed {r.History.Seed})");
        Console.WriteLine($"wrote {r.PlotPath}");
        string validation = last.MeanAveragePrecisionAt3 is { } map ? $", validation loss {last.ValidationLoss:0.000}, accuracy {last.ValidationAccuracy:0.000}, MAP@3 {map:0.000}" : "";
        Console.WriteLine($"final epoch: loss {last.TrainLoss:0.000}, accuracy {last.TrainAccuracy:0.000}{validation}");
    }
}

/// <summary>A bar per epoch (loss, accuracy, steps/s, ETA) on a terminal; one line per epoch otherwise.</summary>
internal static class TrainingDisplay
{
    public static T Run<T>(int epochs, Func<IProgress<TrainingProgress>, Action<EpochRecord>, T> work)
    {
        if (!Terminal.StdoutIsInteractive)
            return work(new InlineProgress<TrainingProgress>(_ => { }), PrintEpoch);
        T result = default!;
        AnsiConsole.Progress().AutoClear(false).HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                ProgressTask? bar = null;
                int barEpoch = 0;
                var progress = new InlineProgress<TrainingProgress>(p =>
                {
                    if (bar is null || barEpoch != p.Epoch)
                    {
                        bar?.StopTask();
                        bar = ctx.AddTask($"epoch {p.Epoch}/{p.Epochs}", maxValue: p.Steps);
                        barEpoch = p.Epoch;
                    }
                    bar.Value = p.Step;
                    bar.Description = $"epoch {p.Epoch}/{p.Epochs} loss {p.Loss:0.000} acc {p.Accuracy:0.000} {p.StepsPerSecond:0.00} steps/s";
                });
                result = work(progress, e =>
                {
                    if (bar is not null && e.MeanAveragePrecisionAt3 is { } map)
                        bar.Description += $" | val loss {e.ValidationLoss:0.000} acc {e.ValidationAccuracy:0.000} MAP@3 {map:0.000}";
                });
            });
        return result;
    }

    private static void PrintEpoch(EpochRecord e)
    {
        string validation = e.MeanAveragePrecisionAt3 is { } map ? $", val loss {e.ValidationLoss:0.000} acc {e.ValidationAccuracy:0.000} MAP@3 {map:0.000}" : "";
        Console.WriteLine($"epoch {e.Epoch}: loss {e.TrainLoss:0.000} acc {e.TrainAccuracy:0.000}{validation} ({e.Seconds:0.0} s)");
    }
}
