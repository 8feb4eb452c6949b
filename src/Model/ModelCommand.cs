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
        var resume = new Option<bool>("--resume") { Description = "Continue an interrupted run from <save_name>.ckpt (with --folds: finished folds are kept)" };
        var crop = new Option<double?>("--crop") { Description = "Train on a random crop of this many seconds of each clip (short clips looped); predict then averages sliding windows" };
        var mixup = new Option<double>("--mixup") { Description = "Mixup alpha: blend examples and their labels, weight ~ Beta(alpha, alpha); 0 = off", DefaultValueFactory = _ => 0 };
        var timeMasks = new Option<int>("--time-masks") { Description = "SpecAugment: time masks per example", DefaultValueFactory = _ => 0 };
        var timeMaskFrames = new Option<int>("--time-mask-frames") { Description = "SpecAugment: widest time mask, in frames", DefaultValueFactory = _ => 0 };
        var freqMasks = new Option<int>("--freq-masks") { Description = "SpecAugment: frequency masks per example", DefaultValueFactory = _ => 0 };
        var freqMaskBands = new Option<int>("--freq-mask-bands") { Description = "SpecAugment: widest frequency mask, in mel bands", DefaultValueFactory = _ => 0 };
        var unverified = new Option<double>("--unverified-weight") { Description = "Loss weight of rows whose label is not manually_verified (verified rows weigh 1)", DefaultValueFactory = _ => defaults.UnverifiedWeight };
        var schedule = new Option<string>("--schedule") { Description = "Learning rate: constant (the original) or cosine (decays to 0 over the run)", DefaultValueFactory = _ => defaults.Schedule };
        var folds = new Option<int>("--folds") { Description = "K-fold cross-validation: train K models (<save_name> → name.foldN.ext), report mean ± std validation MAP@3", DefaultValueFactory = _ => 0 };

        // Ranges checked by the parser (exit 2, naming the option); the core re-checks the combinations.
        epochs.Between(1, 1_000_000, "epochs");
        batch.Between(1, 65_536, "clips");
        lr.Positive();
        valFraction.Between(0, 1, maxExclusive: true);
        device.Device();
        threads.Threads();
        crop.PositiveAtMost(600, "seconds");
        mixup.Between(0, 100);
        foreach (var count in new[] { timeMasks, freqMasks }) count.Between(0, 100);
        foreach (var width in new[] { timeMaskFrames, freqMaskBands }) width.Between(0, 100_000);
        unverified.Between(0, 1);
        schedule.OneOf([.. LearningRateSchedule.All]);
        folds.Check<int>(k => k == 0 || (k >= 2 && k <= 100), "must be 0 (none) or 2 to 100");

        var command = new RootCommand("Train a tagging network on the log-mel arrays written by `inputs`.")
        {
            variant, saveName, data, epochs, batch, lr, seed, valFraction, device, threads, bucket, resume,
            crop, mixup, timeMasks, timeMaskFrames, freqMasks, freqMaskBands, unverified, schedule, folds,
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
                    CropSeconds = parse.GetValue(crop),
                    MixupAlpha = parse.GetValue(mixup),
                    SpecAugment = new SpecAugmentOptions(parse.GetValue(timeMasks), parse.GetValue(timeMaskFrames), parse.GetValue(freqMasks), parse.GetValue(freqMaskBands)),
                    UnverifiedWeight = parse.GetValue(unverified),
                    Schedule = parse.GetRequiredValue(schedule),
                    Folds = parse.GetValue(folds),
                },
            };
            try
            {
                if (request.Options.Folds >= 2)
                {
                    var folded = TrainingDisplay.Run(request.Options.Epochs, (progress, epochDone, setStage) => ModelTraining.RunFolds(request,
                        (k, n) => setStage($"fold {k + 1}/{n}"), progress, epochDone, cancel));
                    Summarise(folded);
                    return ExitCodes.Ok;
                }
                var result = TrainingDisplay.Run(request.Options.Epochs, (progress, epochDone, _) => ModelTraining.Run(request, progress, epochDone, cancel));
                Summarise(result);
                return ExitCodes.Ok;
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                string saved = request.Options.Folds >= 2 ? "the current fold's .ckpt" : request.CheckpointPath;
                CommandRunner.Warning($"interrupted; progress saved in {saved} - run the same command with --resume to continue");
                return ExitCodes.Interrupted;
            }
        }));
        return command;
    }

    private static void Summarise(CrossValidationResult r)
    {
        for (int k = 0; k < r.Folds.Count; k++)
            Console.WriteLine($"fold {k + 1}: wrote {r.Folds[k].ModelPath} (validation MAP@3 {r.Map3[k]:0.000}, {Terminal.Duration(TimeSpan.FromSeconds(r.Folds[k].History.ElapsedSeconds))})");
        Console.WriteLine($"{r.Folds.Count}-fold validation MAP@3 {r.MeanMap3:0.000} ± {r.StdMap3:0.000} (mean ± std); predict with all {r.Folds.Count} models to average them");
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
    /// <param name="work">Gets the progress sink, the end-of-epoch callback and a setter for a stage name (e.g.
    /// "fold 2/5") that prefixes what follows.</param>
    public static T Run<T>(int epochs, Func<IProgress<TrainingProgress>, Action<EpochRecord>, Action<string>, T> work)
    {
        string stage = "";
        if (!Terminal.StdoutIsInteractive)
            return work(new InlineProgress<TrainingProgress>(_ => { }), e => PrintEpoch(stage, e), s =>
            {
                stage = s + " ";
                Console.WriteLine(s);
            });
        T result = default!;
        AnsiConsole.Progress().AutoClear(false).HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                ProgressTask? bar = null;
                int barEpoch = 0;
                string barStage = "";
                var progress = new InlineProgress<TrainingProgress>(p =>
                {
                    if (bar is null || barEpoch != p.Epoch || barStage != stage)
                    {
                        bar?.StopTask();
                        bar = ctx.AddTask($"{stage}epoch {p.Epoch}/{p.Epochs}", maxValue: p.Steps);
                        barEpoch = p.Epoch;
                        barStage = stage;
                    }
                    bar.Value = p.Step;
                    bar.Description = $"{stage}epoch {p.Epoch}/{p.Epochs} loss {p.Loss:0.000} acc {p.Accuracy:0.000} {p.StepsPerSecond:0.00} steps/s";
                });
                result = work(progress, e =>
                {
                    if (bar is not null && e.MeanAveragePrecisionAt3 is { } map)
                        bar.Description += $" | val loss {e.ValidationLoss:0.000} acc {e.ValidationAccuracy:0.000} MAP@3 {map:0.000}";
                }, s => stage = Markup.Escape(s) + " ");
            });
        return result;
    }

    private static void PrintEpoch(string stage, EpochRecord e)
    {
        string validation = e.MeanAveragePrecisionAt3 is { } map ? $", val loss {e.ValidationLoss:0.000} acc {e.ValidationAccuracy:0.000} MAP@3 {map:0.000}" : "";
        Console.WriteLine($"{stage}epoch {e.Epoch}: loss {e.TrainLoss:0.000} acc {e.TrainAccuracy:0.000}{validation} ({e.Seconds:0.0} s)");
    }
}
