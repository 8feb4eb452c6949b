using System.CommandLine;
using FreesoundTagging.CommandLine;
using FreesoundTagging.Models;
using FreesoundTagging.Training;
using Spectre.Console;

namespace FreesoundTagging.Model;

/// <summary><c>model &lt;variant&gt; &lt;save_name&gt;</c>: train on what <c>inputs</c> wrote, save one model file.</summary>
public static class ModelCommand
{
    public static int Run(string[] args) =>
        // `model export` and `model import` are parsed on their own: under the training command their usage line
        // would start with its <variant> <save_name>, which they do not take.
        CommandRunner.Invoke(args is ["export" or "import", ..] ? Tools() : Create(), args);

    /// <summary>The export and import subcommands under a root without the training arguments.</summary>
    private static RootCommand Tools() => new("Move models between FreesoundTagging and PyTorch.") { ExportCommand(), ImportCommand() };

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
        command.Subcommands.Add(ExportCommand());
        command.Subcommands.Add(ImportCommand());
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
                    Summarise(folded);
                    return ExitCodes.Ok;
                }
                var result = TrainingDisplay.Run(request.Options.Epochs, request.Options.Members, (progress, epochDone, memberStarting, resuming) => ModelTraining.Run(request, progress, epochDone, cancel, resuming, memberStarting), "member");
                Summarise(result);
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

    /// <summary><c>model export my.fstmodel [prefix]</c>: prefix.safetensors + prefix.json for PyTorch (src/python/freesound_tagging.py).</summary>
    private static Command ExportCommand()
    {
        var modelFile = new Argument<string>("model_file") { Description = "A .fstmodel written by model" };
        var prefix = new Argument<string?>("prefix") { Description = "Output name without extension (default: the model file's name, in the current folder)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("export", "Write a model's weights as safetensors and its variant, classes and feature settings as JSON, for PyTorch") { modelFile, prefix };
        command.SetAction(parse => CommandRunner.Run(_ =>
        {
            string path = parse.GetRequiredValue(modelFile);
            // Without a prefix the files go where the user is, not beside the model (a shipped model's folder is
            // not the place for them), and the line says so.
            string? given = parse.GetValue(prefix) is { Length: > 0 } p ? p : null;
            string output = given ?? Path.GetFileNameWithoutExtension(path);
            var paths = FreesoundTagging.Interop.PyTorchExport.Export(path, output);
            string named = given is null ? " (named after the model, in the current folder; give a prefix to choose)" : "";
            Console.WriteLine($"wrote {paths.WeightsPath} and {paths.DescriptionPath}{named}; in Python: freesound_tagging.load(\"{paths.DescriptionPath}\")");
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary><c>model import prefix.json my.fstmodel</c>: the export path backwards (weights trained in PyTorch).</summary>
    private static Command ImportCommand()
    {
        var description = new Argument<string>("description") { Description = "The export's .json (its \"weights\" names the .safetensors beside it)" };
        var modelFile = new Argument<string>("model_file") { Description = "The .fstmodel to write" };
        var command = new Command("import", "Make a model file from safetensors weights and their JSON description (the export's layout)") { description, modelFile };
        command.SetAction(parse => CommandRunner.Run(_ =>
        {
            FreesoundTagging.Interop.PyTorchExport.Import(parse.GetRequiredValue(description), parse.GetRequiredValue(modelFile));
            Console.WriteLine($"wrote {parse.GetRequiredValue(modelFile)}");
            return ExitCodes.Ok;
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

    // Summaries: short lines (they must read at 80 columns), the file names last.
    private static void Summarise(CrossValidationResult r)
    {
        for (int k = 0; k < r.Folds.Count; k++)
        {
            var f = r.Folds[k];
            Console.WriteLine($"fold {k + 1}: wrote {f.ModelPath}");
            Console.WriteLine($"  trained on {f.TrainRows} clips, validated on {f.ValidationRows}, in {Terminal.Duration(TimeSpan.FromSeconds(f.History.ElapsedSeconds))}");
            Console.WriteLine($"  {Kept(f.History)}: validation MAP@3 {r.Map3[k]:0.000}");
        }
        Console.WriteLine($"{r.Folds.Count}-fold validation MAP@3 {r.MeanMap3:0.000} ± {r.StdMap3:0.000} (mean ± std)");
        Console.WriteLine($"predict with all {r.Folds.Count} models to average them");
        if (r.OutOfFold is { } report)
        {
            Console.WriteLine($"out-of-fold MAP@3 {r.OutOfFoldMap3:0.000} on {r.Folds.Sum(f => f.ValidationRows)} clips; per class:");
            Console.WriteLine($"  {report.TablePath}");
            Console.WriteLine($"  {report.BarChartPath}");
            Console.WriteLine($"  {report.ConfusionPath}");
        }
    }

    private static void Summarise(TrainResult r)
    {
        var kept = r.History.Kept!;
        string counts = r.ValidationRows > 0 ? $"trained on {r.TrainRows} clips, validated on {r.ValidationRows}" : $"trained on {r.TrainRows} clips";
        Console.WriteLine($"wrote {r.ModelPath}");
        Console.WriteLine($"  {r.Parameters:N0} parameters, {r.Classes.Count} classes, seed {r.History.Seed}");
        Console.WriteLine($"  {counts}, in {Terminal.Duration(TimeSpan.FromSeconds(r.History.ElapsedSeconds))}");
        string first = r.History.MemberElapsedSeconds is { Count: > 1 } ? "member 1, " : "";
        Console.WriteLine($"  {first}{Kept(r.History)}: loss {kept.TrainLoss:0.000}, accuracy {kept.TrainAccuracy:0.000}");
        if (r.History.MemberElapsedSeconds is { Count: > 1 } times)
            Console.WriteLine($"  {times.Count} members (seeds {string.Join(", ", Enumerable.Range(0, times.Count).Select(k => TrainingOptions.MemberSeed(r.History.Seed ?? 0, k)))}), {string.Join(" + ", times.Select(t => $"{t:0} s"))}");
        if (r.History.EnsembleValidationMap3 is { } ensembleMap)
            Console.WriteLine($"  validation MAP@3: ensemble {ensembleMap:0.000}; members {string.Join(", ", r.History.MemberValidationMap3!.Select(m => m.ToString("0.000")))}");
        else if (kept.MeanAveragePrecisionAt3 is { } map)
            Console.WriteLine($"  validation: loss {kept.ValidationLoss:0.000}, accuracy {kept.ValidationAccuracy:0.000}, MAP@3 {map:0.000}");
        Console.WriteLine($"wrote {r.PlotPath}");
        Console.WriteLine($"wrote {r.ModelPath}.history.csv");
        // The checkpoint is kept on purpose: it holds what the model file does not (Adam's moments, the data order),
        // which `--resume --epochs N` needs to continue a finished run exactly.
        if (File.Exists(r.CheckpointPath))
            Console.WriteLine($"kept {r.CheckpointPath} ({new FileInfo(r.CheckpointPath).Length / 1e6:0.0} MB) for --resume --epochs N; delete it if you will not train further");
        if (r.Report is { } report)
        {
            Console.WriteLine($"wrote {report.TablePath}");
            Console.WriteLine($"wrote {report.BarChartPath}");
            Console.WriteLine($"wrote {report.ConfusionPath}");
        }
    }

    /// <summary>"kept epoch 12 of 30 (best)", "stopped early after epoch 20; kept epoch 12 (best)", "final epoch 30".</summary>
    private static string Kept(TrainingHistory h)
    {
        int ran = h.Epochs.Count == 0 ? 0 : h.Epochs[^1].Epoch;
        int kept = h.KeptEpoch ?? ran;
        string stopped = h.StoppedEarly ? $"stopped early after epoch {ran}; " : "";
        return kept == ran && h.Options?.Keep != KeepEpoch.Best ? $"{stopped}final epoch {ran}" : $"{stopped}kept epoch {kept} of {ran} (best validation MAP@3)";
    }
}

/// <summary>A bar per epoch and one for the whole run on a terminal (fitting its width); one line per epoch
/// otherwise, with "epoch i/N", the time elapsed and the time left for the whole run.</summary>
internal static class TrainingDisplay
{
    /// <param name="runs">Models the run trains one after another (K with --folds, else 1).</param>
    /// <param name="work">Gets the progress sink, the end-of-epoch callback, a fold-starting callback (k, K) and a
    /// resuming callback (1-based epoch, step).</param>
    /// <param name="runName">What each run is called in the progress lines ("fold", "member").</param>
    public static T Run<T>(int epochs, int runs, Func<IProgress<TrainingProgress>, Action<EpochRecord>, Action<int, int>, Action<int, int>, T> work, string runName = "fold")
    {
        var clock = new RunClock(epochs, runs);
        // Ensemble members may train side by side, each on a thread of its own that reports its own steps and
        // epochs: what is being trained is kept per thread.
        using var stage = new ThreadLocal<string>(() => "");
        using var run = new ThreadLocal<int>(() => -1);
        void Starting(int k, int n)
        {
            // A thread trains its runs one after another: the one it trained before is over.
            if (run.Value >= 0) clock.Finished(run.Value);
            run.Value = k;
            stage.Value = $"{runName} {k + 1}/{n} ";
        }
        // A single run is never announced: it is run 0.
        int Current() => Math.Max(run.Value, 0);
        if (!Terminal.StdoutIsInteractive)
            // Steps count too (RunClock): the "left" of members finishing epochs at one moment agree.
            return work(new InlineProgress<TrainingProgress>(p => clock.EpochsDone(Current(), p.Epoch - 1 + p.Step / (double)Math.Max(p.Steps, 1))), e => Console.WriteLine(EpochLine.Plain(stage.Value!, e, epochs, clock.EpochDone(Current(), e))),
                (k, n) =>
                {
                    Starting(k, n);
                    Console.WriteLine($"{runName} {k + 1}/{n}");
                },
                (epoch, step) => Console.WriteLine(EpochLine.Resuming(stage.Value!, epoch, step)));
        T result = default!;
        AnsiConsole.Progress().AutoClear(false).HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = EpochLine.BarWidth }, new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                using var notices = ProgressDisplay.LiveNotices();
                var whole = ctx.AddTask(Markup.Escape(EpochLine.Fit("whole run", EpochLine.Budget(Width))), maxValue: (double)epochs * runs);
                using var bars = new ThreadLocal<(ProgressTask? Bar, int Epoch, int Run)>(() => (null, 0, -1));
                var progress = new InlineProgress<TrainingProgress>(p =>
                {
                    var (bar, barEpoch, barRun) = bars.Value;
                    if (bar is null || barEpoch != p.Epoch || barRun != Current())
                    {
                        bar?.StopTask();
                        bar = ctx.AddTask(Markup.Escape(EpochLine.Fit($"{stage.Value}epoch {p.Epoch}/{p.Epochs}", EpochLine.Budget(Width))), maxValue: p.Steps);
                        bars.Value = (bar, p.Epoch, Current());
                    }
                    bar.Value = p.Step;
                    bar.Description = Markup.Escape(EpochLine.Running(stage.Value!, p, EpochLine.Budget(Width)));
                    whole.Value = clock.EpochsDone(Current(), p.Epoch - 1 + p.Step / (double)Math.Max(p.Steps, 1));
                });
                result = work(progress, e =>
                {
                    clock.EpochDone(Current(), e);
                    if (bars.Value.Bar is { } bar) bar.Description = Markup.Escape(EpochLine.Finished(stage.Value!, e, epochs, EpochLine.Budget(Width)));
                },
                Starting,
                (epoch, step) => AnsiConsole.WriteLine(EpochLine.Resuming(stage.Value!, epoch, step)));
                whole.Value = whole.MaxValue;
            });
        return result;
    }

    private static int Width => AnsiConsole.Profile.Width;
}

/// <summary>Elapsed time and the time left for the whole run (all folds or members), from the epochs this process ran.</summary>
/// <remarks>Runs may overlap (ensemble members trained side by side), so the rate is the wall clock's per epoch, and
/// every run's part-done epoch counts (its steps): members finishing an epoch at one moment then give one estimate,
/// not one that jumps by a whole epoch from member to member.</remarks>
internal sealed class RunClock(int epochs, int runs, Func<TimeSpan>? now = null)
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private readonly object _gate = new();
    // Epochs each run has finished, fractional while one is under way; and where each stood when this process first
    // saw it (a resumed run's earlier epochs took no time here). NaN: not seen yet.
    private readonly double[] _done = new double[runs];
    private readonly double[] _start = Enumerable.Repeat(double.NaN, runs).ToArray();

    private TimeSpan Now => now?.Invoke() ?? _clock.Elapsed;

    /// <summary>Run <paramref name="finished"/> is over (it ran all its epochs, stopped early, or was found finished on resuming).</summary>
    public void Finished(int finished)
    {
        lock (_gate)
        {
            // What it skipped (stopping early, or finished before this process) took no time here.
            _start[finished] = double.IsNaN(_start[finished]) ? epochs : _start[finished] + (epochs - _done[finished]);
            _done[finished] = epochs;
        }
    }

    /// <summary>Epochs of the whole run done once run <paramref name="run"/> stands at <paramref name="epochsOfRun"/>.</summary>
    public double EpochsDone(int run, double epochsOfRun)
    {
        lock (_gate)
        {
            Stand(run, epochsOfRun);
            return _done.Sum();
        }
    }

    /// <summary>(elapsed, left) after <paramref name="e"/> of run <paramref name="run"/>; left assumes every remaining epoch runs (early stopping may end sooner).</summary>
    public (TimeSpan Elapsed, TimeSpan Left) EpochDone(int run, EpochRecord e)
    {
        lock (_gate)
        {
            if (double.IsNaN(_start[run])) _start[run] = e.Epoch - 1;
            _done[run] = e.Epoch;
            double remaining = Math.Max(0, (double)epochs * runs - _done.Sum());
            double progressed = Enumerable.Range(0, runs).Where(r => !double.IsNaN(_start[r])).Sum(r => _done[r] - _start[r]);
            var elapsed = Now;
            return (elapsed, TimeSpan.FromSeconds(progressed > 0 ? remaining * elapsed.TotalSeconds / progressed : 0));
        }
    }

    private void Stand(int run, double epochsOfRun)
    {
        if (double.IsNaN(_start[run])) _start[run] = Math.Floor(epochsOfRun);
        _done[run] = Math.Max(_done[run], epochsOfRun);
    }
}

/// <summary>The epoch lines' text, cut to fit the terminal.</summary>
internal static class EpochLine
{
    public const int BarWidth = 10;

    /// <summary>Characters left for the description on a terminal this wide: the bar, "100%", elapsed and remaining
    /// (each "0:00:00") and the spaces between columns take the rest.</summary>
    public static int Budget(int width) => Math.Max(12, width - (BarWidth + 4 + 7 + 7 + 5));

    public static string Running(string stage, TrainingProgress p, int budget) => First(budget,
        $"{stage}epoch {p.Epoch}/{p.Epochs} loss {p.Loss:0.000} acc {p.Accuracy:0.000} {p.StepsPerSecond:0.0} steps/s",
        $"{stage}epoch {p.Epoch}/{p.Epochs} loss {p.Loss:0.000} acc {p.Accuracy:0.000}",
        $"{stage}epoch {p.Epoch}/{p.Epochs} loss {p.Loss:0.00}",
        $"{stage}epoch {p.Epoch}/{p.Epochs}");

    public static string Finished(string stage, EpochRecord e, int epochs, int budget) => e.MeanAveragePrecisionAt3 is { } map
        ? First(budget,
            $"{stage}epoch {e.Epoch}/{epochs} loss {e.TrainLoss:0.000} acc {e.TrainAccuracy:0.000} | val loss {e.ValidationLoss:0.000} acc {e.ValidationAccuracy:0.000} MAP@3 {map:0.000}",
            $"{stage}epoch {e.Epoch}/{epochs} loss {e.TrainLoss:0.000} | val acc {e.ValidationAccuracy:0.000} MAP@3 {map:0.000}",
            $"{stage}epoch {e.Epoch}/{epochs} loss {e.TrainLoss:0.00} MAP@3 {map:0.000}",
            $"{stage}epoch {e.Epoch}/{epochs} MAP@3 {map:0.000}")
        : First(budget,
            $"{stage}epoch {e.Epoch}/{epochs} loss {e.TrainLoss:0.000} acc {e.TrainAccuracy:0.000}",
            $"{stage}epoch {e.Epoch}/{epochs} loss {e.TrainLoss:0.00}",
            $"{stage}epoch {e.Epoch}/{epochs}");

    /// <summary>A redirected run's line: all figures, not cut.</summary>
    public static string Plain(string stage, EpochRecord e, int epochs, (TimeSpan Elapsed, TimeSpan Left) time)
    {
        string validation = e.MeanAveragePrecisionAt3 is { } map ? $", val loss {e.ValidationLoss:0.000} acc {e.ValidationAccuracy:0.000} MAP@3 {map:0.000}" : "";
        return $"{stage}epoch {e.Epoch}/{epochs}: loss {e.TrainLoss:0.000} acc {e.TrainAccuracy:0.000}{validation} ({e.Seconds:0.0} s; {Terminal.Duration(time.Elapsed)} elapsed, {Terminal.Duration(time.Left)} left)";
    }

    public static string Resuming(string stage, int epoch, int step) =>
        step > 0 ? $"{stage}resuming from epoch {epoch}, step {step}" : $"{stage}resuming from epoch {epoch}";

    /// <summary>The first text that fits, else the last one cut.</summary>
    public static string First(int budget, params string[] texts) => Fit(texts.FirstOrDefault(t => t.Length <= budget) ?? texts[^1], budget);

    public static string Fit(string text, int budget) => text.Length <= budget ? text : text[..Math.Max(1, budget - 1)] + "…";
}
