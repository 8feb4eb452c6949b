using System.CommandLine;
using FreesoundTagging.CommandLine;
using FreesoundTagging.Inference;
using FreesoundTagging.IO;
using FreesoundTagging.Scoring;
using FreesoundTagging.Jobs;
using FreesoundTagging.Torch;

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
        var cli = new PredictCommandOptions();
        var command = new RootCommand("Tag audio clips with a trained model: a Kaggle submission, or a table of top labels.");
        cli.AddTo(command);
        command.SetAction(parse => CommandRunner.Run(cancel =>
        {
            FreesoundTagging.Torch.TorchRuntime.AllowTf32 = parse.GetValue(cli.Tf32);
            var ensembleMean = EnumSpelling.Parse<EnsembleMean>(parse.GetRequiredValue(cli.Mean))!.Value;
            string[] all = parse.GetRequiredValue(cli.Inputs);
            // Model files are told from audio and CSV paths by their content, so `folds/*.fstmodel` just works.
            int modelCount = all.TakeWhile(Models.ModelFile.HasMagic).Count();
            var models = new[] { parse.GetRequiredValue(cli.Model) }.Concat(all.Take(modelCount)).ToList();
            string[] rest = all[modelCount..];
            if (!Models.ModelFile.HasMagic(models[0]) && all.Any(Models.ModelFile.HasMagic))
                throw new InvalidInputException("is not a model file; give the model file(s) first, then the audio (predict <model>... <files or folder>)", models[0]);
            if (parse.GetValue(cli.Info))
            {
                if (rest.Length > 0) throw new InvalidInputException($"--info takes only model files; '{rest[0]}' is not one");
                return ModelInfoOutput.Print(models, parse.GetValue(cli.Format));
            }
            if (rest.Length == 0) throw new InvalidInputException("nothing to predict: give an audio folder and CSVs for a submission, or WAV files / folders to tag after the model file(s)");
            if (rest.Length >= 2 && rest[1].EndsWith(".csv", StringComparison.OrdinalIgnoreCase))
            {
                if (rest.Length != 4)
                    throw new InvalidInputException($"a submission needs <audio_test_dir> <sample_submission.csv> <train.csv> <submission.csv> after the model (got {rest.Length} paths)");
                if (cli.TaggingOnly.FirstOrDefault(option => parse.GetResult(option) is { Implicit: false }) is { } tagOnly)
                    throw new InvalidInputException($"{tagOnly.Name} is for tagging files; a submission always has the 3 best labels per clip");
                var request = new SubmissionRequest
                {
                    ModelPaths = models,
                    Mean = ensembleMean,
                    AudioDir = rest[0],
                    SampleSubmissionCsv = rest[1],
                    TrainCsv = rest[2] == "-" ? null : rest[2],
                    OutputCsv = rest[3],
                    ProbabilitiesPath = parse.GetValue(cli.Probabilities),
                    TruthCsv = parse.GetValue(cli.Truth),
                    BatchSize = parse.GetValue(cli.Batch),
                    Threads = parse.GetValue(cli.Threads),
                    Device = parse.GetRequiredValue(cli.Device),
                    AllowFallbacks = parse.GetValue(cli.AllowFallbacks),
                };
                var result = ProgressDisplay.Run("predict", report => SubmissionJob.Run(request,
                    new InlineProgress<PredictionProgress>(p => report(p.DecodedSeconds, p.TotalSeconds, TagOutput.AudioRate(p.Done, p.Total, p.DecodedSeconds, p.Elapsed, "clips"))), cancel),
                    unit: "audio-s");
                Summarise(result);
                return ExitCodes.Ok;
            }
            if (parse.GetValue(cli.AllowFallbacks))
                throw new InvalidInputException("--allow-fallbacks is for submissions (<audio_test_dir> <sample_submission.csv> <train.csv> <submission.csv>); tagging lists every file it could not read");
            if (parse.GetValue(cli.Probabilities) is not null || parse.GetValue(cli.Truth) is not null)
                throw new InvalidInputException("--probabilities and --truth need a submission run (<audio_test_dir> <sample_submission.csv> <train.csv> <submission.csv>)");
            var tagFormat = parse.GetValue(cli.Format) is { } name ? TagReport.ParseFormat(name) : Terminal.StdoutIsInteractive ? TagFormat.Table : TagFormat.Tsv;
            var options = new TagReportOptions(parse.GetValue(cli.TopK), parse.GetValue(cli.AllClasses), parse.GetValue(cli.Threshold));
            if (options.AllClasses && options.Threshold is not null) throw new InvalidInputException("--threshold and --all do not combine: --all gives every class's probability");
            var tagging = new TaggingRequest(models, rest)
            {
                Recursive = parse.GetValue(cli.Recursive),
                TimelineSeconds = parse.GetValue(cli.Timeline),
                BatchSize = parse.GetValue(cli.Batch),
                Threads = parse.GetValue(cli.Threads),
                Device = parse.GetRequiredValue(cli.Device),
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
