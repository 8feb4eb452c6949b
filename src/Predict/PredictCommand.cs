using System.CommandLine;
using FreesoundTagging.CommandLine;
using FreesoundTagging.Inference;
using FreesoundTagging.Scoring;

namespace FreesoundTagging.Predict;

/// <summary>
/// <c>predict &lt;model&gt;... &lt;audio_test_dir&gt; &lt;sample_submission.csv&gt; &lt;train.csv&gt; &lt;submission.csv&gt;</c> writes a
/// Kaggle submission; <c>predict &lt;model&gt;... &lt;file-or-dir&gt;...</c> prints each file's top labels. Several model files
/// (recognised by their content) form an ensemble whose probabilities are averaged.
/// </summary>
public static class PredictCommand
{
    public static int Run(string[] args) => CommandRunner.Invoke(Create(), args);

    public static RootCommand Create()
    {
        var model = new Argument<string>("model") { Description = "Model file written by `model`; further model files may follow (an ensemble, e.g. the K models of --folds)" };
        var inputs = new Argument<string[]>("inputs")
        {
            Description = "[more models...] then either <audio_test_dir> <sample_submission.csv> <train.csv> <submission.csv> (train.csv may be '-'), or audio files / folders to tag (WAV, MP3, Ogg; FLAC, Opus, M4A, AIFF... with ffmpeg)",
            Arity = ArgumentArity.ZeroOrMore,
        };
        var mean = new Option<string>("--mean") { Description = "How an ensemble's probabilities are averaged: arithmetic or geometric", DefaultValueFactory = _ => "arithmetic" };
        var probabilities = new Option<string?>("--probabilities") { Description = "Also write the (N, C) softmax matrix as .npy (for ensembling)" };
        var truth = new Option<string?>("--truth") { Description = "fname,label CSV of true labels: print the submission's MAP@3" };
        var batch = new Option<int>("--batch-size") { Description = "Clips per inference batch", DefaultValueFactory = _ => Predictor.DefaultBatchSize };
        var threads = new Option<int>("--threads") { Description = "Cores for feature extraction and inference", DefaultValueFactory = _ => Environment.ProcessorCount };
        var device = new Option<string>("--device") { Description = "auto (a GPU when this build and machine have one), cpu, cuda or cuda:N; the first status line names the device used", DefaultValueFactory = _ => "auto" };
        var tf32 = new Option<bool>("--tf32") { Description = "On a GPU: allow TF32 tensor-core arithmetic (faster; results then differ from the CPU's by ~1e-3). Off by default" };
        var format = new Option<string?>("--format") { Description = "Tagging output: table (default on a terminal), tsv (default when piped), csv, json, or jsonl (one JSON object per line, written as each file is done); with --info: plain or json" };
        var topK = new Option<int>("--top-k") { Description = "Tagging: labels per file (or timeline window), best first", DefaultValueFactory = _ => 3 };
        var threshold = new Option<double?>("--threshold") { Description = "Tagging: only labels with at least this probability (0 to 1); a file may then get fewer than --top-k labels, or none" };
        var allClasses = new Option<bool>("--all") { Description = "Tagging: every class's probability instead of the top k" };
        var recursive = new Option<bool>("--recursive", "-r") { Description = "Tagging: look for audio in subfolders of the folders given too" };
        var timeline = new Option<double?>("--timeline") { Description = "Tagging: also score consecutive windows of this many seconds along each file (start, end, top labels per window)" };
        var allowFallbacks = new Option<bool>("--allow-fallbacks") { Description = "Submission: write it even when more than 5 % of the clips cannot be scored and keep their sample_submission label (at least one must be scored)" };
        var info = new Option<bool>("--info") { Description = "Print what the model file(s) hold (variant, parameters, classes, features, recipe, training history) and exit" };

        mean.OneOf("arithmetic", "geometric");
        batch.Between(1, 4096, "clips");
        threads.Threads();
        device.Device();
        topK.Between(1, 1000, "labels");
        timeline.PositiveAtMost(24 * 3600, "seconds");
        format.Check<string?>(v => v is null or "table" or "tsv" or "csv" or "json" or "jsonl" or "plain", "must be one of table, tsv, csv, json, jsonl (with --info: plain, json)");
        threshold.Check<double?>(v => v is null || (double.IsFinite(v.Value) && v >= 0 && v <= 1), "must be a probability from 0 to 1");

        var command = new RootCommand("Tag audio clips with a trained model: a Kaggle submission, or a table of top labels.")
        {
            model, inputs, probabilities, truth, batch, threads, device, tf32, mean, format, topK, allClasses, recursive, timeline, info, allowFallbacks, threshold,
        };
        command.SetAction(parse => CommandRunner.Run(cancel =>
        {
            FreesoundTagging.Runtime.TorchRuntime.AllowTf32 = parse.GetValue(tf32);
            var ensembleMean = EnsembleAverage.Parse(parse.GetRequiredValue(mean));
            string[] all = parse.GetRequiredValue(inputs);
            // Model files are told from audio and CSV paths by their content, so `folds/*.fstmodel` just works.
            int modelCount = all.TakeWhile(Models.ModelFile.HasMagic).Count();
            var models = new[] { parse.GetRequiredValue(model) }.Concat(all.Take(modelCount)).ToList();
            string[] rest = all[modelCount..];
            if (!Models.ModelFile.HasMagic(models[0]) && all.Any(Models.ModelFile.HasMagic))
                throw new InvalidInputException("is not a model file; give the model file(s) first, then the audio (predict <model>... <files or folder>)", models[0]);
            if (parse.GetValue(info))
            {
                if (rest.Length > 0) throw new InvalidInputException($"--info takes only model files; '{rest[0]}' is not one");
                return ModelInfoOutput.Print(models, parse.GetValue(format));
            }
            if (rest.Length == 0) throw new InvalidInputException("nothing to predict: give an audio folder and CSVs for a submission, or WAV files / folders to tag after the model file(s)");
            if (rest.Length >= 2 && rest[1].EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            {
                if (rest.Length != 4)
                    throw new InvalidInputException($"a submission needs <audio_test_dir> <sample_submission.csv> <train.csv> <submission.csv> after the model (got {rest.Length} paths)");
                if (new Option[] { format, topK, allClasses, recursive, timeline, threshold }.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false }) is { } tagOnly)
                    throw new InvalidInputException($"{tagOnly.Name} is for tagging files; a submission always has the 3 best labels per clip");
                var request = new SubmissionRequest
                {
                    ModelPaths = models,
                    Mean = ensembleMean,
                    AudioDir = rest[0],
                    SampleSubmissionCsv = rest[1],
                    TrainCsv = rest[2] == "-" ? null : rest[2],
                    OutputCsv = rest[3],
                    ProbabilitiesPath = parse.GetValue(probabilities),
                    TruthCsv = parse.GetValue(truth),
                    BatchSize = parse.GetValue(batch),
                    Threads = parse.GetValue(threads),
                    Device = parse.GetRequiredValue(device),
                    AllowFallbacks = parse.GetValue(allowFallbacks),
                };
                var result = ProgressDisplay.Run("predict", report => SubmissionJob.Run(request,
                    new InlineProgress<PredictionProgress>(p => report(p.DecodedSeconds, p.TotalSeconds, TagOutput.AudioRate(p.Done, p.Total, p.DecodedSeconds, p.Elapsed, "clips"))), cancel),
                    unit: "audio-s");
                Summarise(result);
                return ExitCodes.Ok;
            }
            if (parse.GetValue(allowFallbacks))
                throw new InvalidInputException("--allow-fallbacks is for submissions (<audio_test_dir> <sample_submission.csv> <train.csv> <submission.csv>); tagging lists every file it could not read");
            if (parse.GetValue(probabilities) is not null || parse.GetValue(truth) is not null)
                throw new InvalidInputException("--probabilities and --truth need a submission run (<audio_test_dir> <sample_submission.csv> <train.csv> <submission.csv>)");
            var tagFormat = parse.GetValue(format) is { } name ? TagReport.ParseFormat(name) : Terminal.StdoutIsInteractive ? TagFormat.Table : TagFormat.Tsv;
            var options = new TagReportOptions(parse.GetValue(topK), parse.GetValue(allClasses), parse.GetValue(threshold));
            if (options.AllClasses && options.Threshold is not null) throw new InvalidInputException("--threshold and --all do not combine: --all gives every class's probability");
            var tagging = new TaggingRequest(models, rest)
            {
                Recursive = parse.GetValue(recursive),
                TimelineSeconds = parse.GetValue(timeline),
                BatchSize = parse.GetValue(batch),
                Threads = parse.GetValue(threads),
                Device = parse.GetRequiredValue(device),
                Mean = ensembleMean,
            };
            var tags = TagOutput.Run(tagging, tagFormat, options, cancel);
            return tags.Files.Any(t => t.Error is not null) ? ExitCodes.InvalidInput : ExitCodes.Ok;
        }));
        return command;
    }

    private static void Summarise(SubmissionResult r)
    {
        foreach (var f in r.Fallbacks.Take(10)) CommandRunner.Warning($"{f.Fname}: could not be scored ({f.Reason}); kept its sample_submission label '{f.Label}'");
        if (r.Fallbacks.Count > 10) CommandRunner.Warning($"{r.Fallbacks.Count - 10} more clips kept their sample_submission label");
        double wall = Math.Max(r.Elapsed.TotalSeconds, 1e-9);
        Console.WriteLine($"wrote {r.OutputCsv} ({r.Rows} clips, {r.Rows - r.Fallbacks.Count} scored, {r.Fallbacks.Count} fallback) in {Terminal.Duration(r.Elapsed)} ({r.Rows / wall:0.0} clips/s, {r.AudioSeconds / wall:0} audio-s per s)");
        if (r.ProbabilitiesPath is not null) Console.WriteLine($"wrote {r.ProbabilitiesPath} ({r.Rows} x {r.Classes} softmax probabilities, NaN rows for fallbacks)");
        if (r.TruthLabelsNotInModel is { Count: > 0 } unknown)
            CommandRunner.Warning($"--truth names {unknown.Count} label(s) the model does not have ({string.Join(", ", unknown.Take(5))}{(unknown.Count > 5 ? ", ..." : "")}); clips with them score 0 in MAP@3");
        if (r.Map3 is { } map) Console.WriteLine($"MAP@3 {map:0.0000} over {r.TruthRows} clips with known labels");
    }
}
