using System.CommandLine;
using FreesoundTagging.CommandLine;
using FreesoundTagging.Models;
using FreesoundTagging.Training;
using Spectre.Console;

namespace FreesoundTagging.Model;

/// <summary><c>model &lt;variant&gt; &lt;save_name&gt;</c>: train on what <c>inputs</c> wrote, save one model file.</summary>
internal static class TrainCommand
{
    public static RootCommand Create()
    {
        var defaults = new TrainingOptions();
        var variant = new Argument<string>("variant") { Description = $"Network: {ModelVariant.ValidNames}" };
        var saveName = new Argument<string>("save_name") { Description = "Model file to write (weights, classes, feature settings, history)" };
        var data = new Option<string[]>("--data", "-d") { Description = "Folder(s) with samples.npy, labels.npy, dataset.json; several = shards of one dataset", DefaultValueFactory = _ => ["."], AllowMultipleArgumentsPerToken = true };
        var epochs = new Option<int>("--epochs") { Description = "Passes over the data", DefaultValueFactory = _ => defaults.Epochs };
        var batch = new Option<int>("--batch-size") { Description = "Clips per step", DefaultValueFactory = _ => defaults.BatchSize };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate", DefaultValueFactory = _ => defaults.LearningRate };
        var seed = new Option<int?>("--seed") { Description = "Makes initialisation, dropout, shuffling and augmentation reproducible (the same on CPU and GPU up to float rounding)" };
        var valFraction = new Option<double>("--val-fraction") { Description = "Share held out (stratified) to report validation loss, accuracy and MAP@3 each epoch", DefaultValueFactory = _ => 0 };
        var valVerifiedOnly = new Option<bool>("--val-verified-only") { Description = "Hold out validation rows only among those whose label is manually_verified (--val-fraction is then of each class's verified rows): unverified labels may be wrong" };
        var device = new Option<string>("--device") { Description = "auto (a GPU when this build and machine have one), cpu, cuda or cuda:N; the first status line names the device used", DefaultValueFactory = _ => "auto" };
        var tf32 = new Option<bool>("--tf32") { Description = "On a GPU: allow TF32 tensor-core arithmetic (faster; results then differ from the CPU's by ~1e-3). Off by default" };
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
        var keep = new Option<string>("--keep") { Description = "Weights to save: last (the last epoch's) or best (highest validation MAP@3; needs --val-fraction or --folds)", DefaultValueFactory = _ => defaults.Keep };
        var patience = new Option<int>("--patience") { Description = "Stop once this many epochs bring no higher validation MAP@3 (needs --val-fraction or --folds); 0 = off", DefaultValueFactory = _ => 0 };
        var members = new Option<int>("--members") { Description = "Train this many networks with different seeds (on the CPU side by side, up to --threads at a time) and save them as one ensemble file; predict averages them", DefaultValueFactory = _ => defaults.Members };
        var labelSmoothing = new Option<double>("--label-smoothing") { Description = "Label smoothing: targets (1 - e)*y + e/classes; 0 = off", DefaultValueFactory = _ => defaults.LabelSmoothing };
        var windowsPerCrop = new Option<int>("--windows-per-crop") { Description = "With --crop: windows predict scores per window length (they slide by window/N); more = test-time augmentation over offsets", DefaultValueFactory = _ => defaults.WindowsPerCrop };
        var scoreWindow = new Option<double?>("--score-window") { Description = "With --crop: the length in seconds of the windows predict scores (default: the crop); longer windows let the network's pooling see more of the clip" };
        var ema = new Option<double>("--ema") { Description = "Save an exponential moving average of the weights, this decay per step (e.g. 0.995); 0 = off", DefaultValueFactory = _ => defaults.EmaDecay };
        var bandShift = new Option<int>("--band-shift") { Description = "Shift each training example up or down the mel axis by up to this many bands (rough pitch shift); 0 = off", DefaultValueFactory = _ => defaults.BandShift };
        var ttaShifts = new Option<int>("--tta-shifts") { Description = $"Test-time augmentation saved in the model: predict also scores each input shifted by 1 to K mel bands up and down and averages (0 to {ModelMetadata.MaxBandShifts}); 0 = off", DefaultValueFactory = _ => defaults.TtaBandShifts };
        var recipe = new Option<string>("--recipe") { Description = $"Start from a recipe: {string.Join(", ", TrainingRecipe.BuiltIn.Keys)} or a recipe file (JSON of option names without dashes); options typed here override it", DefaultValueFactory = _ => "original" };

        // A mistyped variant or recipe name, or a file given as --data, is a command-line mistake (exit 2), said
        // before any file is read, with the closest valid name.
        variant.Validators.Add(result =>
        {
            string typed = result.GetValueOrDefault<string>();
            if (!ModelVariant.TryParse(typed, out _))
                result.AddError($"unknown model variant '{typed}'{Suggestions.DidYouMean(typed, ModelVariant.All.Select(v => v.Name))}: valid variants are {ModelVariant.ValidNames}");
        });
        recipe.Validators.Add(result =>
        {
            if (result.Tokens.Count == 0) return;
            string typed = result.GetValueOrDefault<string>();
            // A name (no folder, no extension) that is not built in; a path is the core's to check (exit 3 if missing).
            if (TrainingRecipe.BuiltIn.ContainsKey(typed) || File.Exists(typed) || Directory.Exists(typed) || typed.Contains('/') || Path.HasExtension(typed)) return;
            result.AddError($"--recipe: unknown recipe '{typed}'{Suggestions.DidYouMean(typed, TrainingRecipe.BuiltIn.Keys)}: valid are {string.Join(", ", TrainingRecipe.BuiltIn.Keys)}, or a recipe file (JSON)");
        });
        data.Validators.Add(result =>
        {
            foreach (string folder in result.Tokens.Select(t => t.Value).Where(File.Exists))
            {
                string parent = Path.GetDirectoryName(folder) is { Length: > 0 } p ? p : ".";
                result.AddError($"--data: '{folder}' is a file; --data takes the folder that holds samples.npy, labels.npy and dataset.json (here: --data {parent})");
            }
        });

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
        members.Between(1, ModelFile.MaxMembers, "networks");
        labelSmoothing.Between(0, 1, maxExclusive: true);
        windowsPerCrop.Between(1, 64, "windows");
        scoreWindow.PositiveAtMost(600, "seconds");
        ema.Between(0, 1, maxExclusive: true);
        bandShift.Between(0, 64, "bands");
        ttaShifts.Between(0, ModelMetadata.MaxBandShifts, "bands");

        var command = new RootCommand("Train a tagging network on the log-mel arrays written by `inputs`.")
        {
            variant, saveName, data, epochs, batch, lr, seed, valFraction, valVerifiedOnly, device, tf32, threads, bucket, resume,
            crop, mixup, timeMasks, timeMaskFrames, freqMasks, freqMaskBands, unverified, schedule, folds,
            keep, patience, members, labelSmoothing, windowsPerCrop, scoreWindow, ema, bandShift, ttaShifts, recipe,
        };
        command.Subcommands.Add(ExportCommand.Create());
        command.Subcommands.Add(ImportCommand.Create());
        command.SetAction(parse => CommandRunner.Run(cancel =>
        {
            FreesoundTagging.Runtime.TorchRuntime.AllowTf32 = parse.GetValue(tf32);
            TrainRequest request = new()
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
                    ValidateVerifiedOnly = parse.GetValue(valVerifiedOnly),
                    Device = parse.GetRequiredValue(device),
                    Threads = parse.GetValue(threads),
                    Bucket = parse.GetValue(bucket),
                    CropSeconds = parse.GetValue(crop),
                    MixupAlpha = parse.GetValue(mixup),
                    SpecAugment = new SpecAugmentOptions(parse.GetValue(timeMasks), parse.GetValue(timeMaskFrames), parse.GetValue(freqMasks), parse.GetValue(freqMaskBands)),
                    UnverifiedWeight = parse.GetValue(unverified),
                    Schedule = parse.GetRequiredValue(schedule),
                    Folds = parse.GetValue(folds),
                    Keep = parse.GetRequiredValue(keep),
                    Patience = parse.GetValue(patience),
                    Members = parse.GetValue(members),
                    LabelSmoothing = parse.GetValue(labelSmoothing),
                    WindowsPerCrop = parse.GetValue(windowsPerCrop),
                    ScoringWindowSeconds = parse.GetValue(scoreWindow),
                    EmaDecay = parse.GetValue(ema),
                    BandShift = parse.GetValue(bandShift),
                    TtaBandShifts = parse.GetValue(ttaShifts),
                },
            };
            request = WithRecipe(request, parse, parse.GetRequiredValue(recipe));
            if (FeaturesOf(request.DataDirs[0]) is { } features && TrainingRecipe.FeatureWarning(request.RecipeName, features) is { } warning)
                CommandRunner.Warning(warning);
            try
            {
                if (request.Options.Folds >= 2)
                {
                    var folded = TrainingDisplay.Run(request.Options.Epochs, request.Options.Folds, (progress, epochDone, foldStarting, resuming) => ModelTraining.RunFolds(request,
                        foldStarting, progress, epochDone, cancel, resuming));
                    TrainingSummary.Print(folded);
                    return ExitCodes.Ok;
                }
                var result = TrainingDisplay.Run(request.Options.Epochs, request.Options.Members, (progress, epochDone, memberStarting, resuming) => ModelTraining.Run(request, progress, epochDone, cancel, resuming, memberStarting), "member");
                TrainingSummary.Print(result);
                return ExitCodes.Ok;
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                string saved = request.Options.Folds >= 2 ? "the current fold's .ckpt" : request.Options.Members >= 2
                    ? ModelTraining.ParallelMembers(request.Options) > 1 ? "the .ckpt of each member under way" : "the current member's .ckpt"
                    : request.CheckpointPath;
                CommandRunner.Warning($"interrupted; progress saved in {saved} - run the same command with --resume to continue");
                return ExitCodes.Interrupted;
            }
        }));
        return command;
    }


    /// <summary>The feature settings of a dataset folder, or null when it has none readable (training then says why).
    /// Read here, before training opens the data, because warnings are the console's to print.</summary>
    private static FreesoundTagging.Features.FeatureConfig? FeaturesOf(string folder)
    {
        try
        {
            return FreesoundTagging.Datasets.DatasetInfo.Read(FreesoundTagging.Datasets.DatasetFiles.In(folder).DatasetPath).Features;
        }
        catch (Exception e) when (e is InvalidInputException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The recipe's values for every option not typed on the command line (typed ones win).</summary>
    private static TrainRequest WithRecipe(TrainRequest request, ParseResult parse, string name)
    {
        var typed = parse.CommandResult.Children.OfType<System.CommandLine.Parsing.OptionResult>().Where(r => !r.Implicit).Select(r => r.Option.Name.TrimStart('-'));
        var resolved = TrainingRecipe.Resolve(name);
        if (!TrainingRecipe.BuiltIn.ContainsKey(name)) CheckRecipeValues(resolved, name);
        return request with { Options = resolved.Without(typed).Apply(request.Options), RecipeName = name };
    }

    /// <summary>Refuses a recipe file's values that the command line would refuse ("epochs": 1000000000): each is
    /// parsed as if it had been typed, so the same option rules judge both, and the message names the key.</summary>
    private static void CheckRecipeValues(TrainingRecipe recipe, string path)
    {
        // The two arguments only fill the command's places (a valid variant: the parser checks it); no file is opened by parsing.
        var args = new List<string> { ModelVariant.Cnn1d.Name, "model" };
        foreach (var (key, value) in System.Text.Json.Nodes.JsonNode.Parse(recipe.ToJson())!.AsObject())
        {
            args.Add("--" + key);
            args.Add(value is System.Text.Json.Nodes.JsonValue v && v.TryGetValue<string>(out var text) ? text : value!.ToJsonString());
        }
        var errors = Create().Parse(args).Errors.Select(e => OptionRules.Plain(e.Message)).Distinct().ToList();
        if (errors.Count > 0)
            throw new InvalidInputException(string.Join("; ", errors.Select(e => e.StartsWith("--", StringComparison.Ordinal) && e.IndexOf(':') is > 2 and var colon ? $"\"{e[2..colon]}\"{e[colon..]}" : e)), path);
    }
}
