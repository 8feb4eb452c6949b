using System.CommandLine;
using FreesoundTagging.CommandLine;
using FreesoundTagging.Inference;
using FreesoundTagging.IO;
using FreesoundTagging.Scoring;

namespace FreesoundTagging.Predict;

/// <summary>The predict command's arguments and options, with the ranges the parser checks.</summary>
internal sealed class PredictCommandOptions
{
    public Argument<string> Model { get; } = new("model") { Description = "Model file written by `model`; further model files may follow (an ensemble, e.g. the K models of --folds)" };
    public Argument<string[]> Inputs { get; } = new("inputs")
    {
        Description = "[more models...] then either <audio_test_dir> <sample_submission.csv> <train.csv> <submission.csv> (train.csv may be '-'), or audio files / folders to tag (WAV, MP3, Ogg; FLAC, Opus, M4A, AIFF... with ffmpeg)",
        Arity = ArgumentArity.ZeroOrMore,
    };
    public Option<string> Mean { get; } = new("--mean") { Description = "How an ensemble's probabilities are averaged: arithmetic or geometric", DefaultValueFactory = _ => "arithmetic" };
    public Option<string?> Probabilities { get; } = new("--probabilities") { Description = "Also write the (N, C) softmax matrix as .npy (for ensembling)" };
    public Option<string?> Truth { get; } = new("--truth") { Description = "fname,label CSV of true labels: print the submission's MAP@3" };
    public Option<int> Batch { get; } = new("--batch-size") { Description = "Clips per inference batch", DefaultValueFactory = _ => Predictor.DefaultBatchSize };
    public Option<int> Threads { get; } = new("--threads") { Description = "Cores for feature extraction and inference", DefaultValueFactory = _ => Environment.ProcessorCount };
    public Option<string> Device { get; } = new("--device") { Description = "auto (a GPU when this build and machine have one), cpu, cuda or cuda:N; the first status line names the device used", DefaultValueFactory = _ => "auto" };
    public Option<bool> Tf32 { get; } = new("--tf32") { Description = "On a GPU: allow TF32 tensor-core arithmetic (faster; results then differ from the CPU's by ~1e-3). Off by default" };
    public Option<string?> Format { get; } = new("--format") { Description = "Tagging output: table (default on a terminal), tsv (default when piped), csv, json, or jsonl (one JSON object per line, written as each file is done); with --info: plain or json" };
    public Option<int> TopK { get; } = new("--top-k") { Description = "Tagging: labels per file (or timeline window), best first", DefaultValueFactory = _ => 3 };
    public Option<double?> Threshold { get; } = new("--threshold") { Description = "Tagging: only labels with at least this probability (0 to 1); a file may then get fewer than --top-k labels, or none" };
    public Option<bool> AllClasses { get; } = new("--all") { Description = "Tagging: every class's probability instead of the top k" };
    public Option<bool> Recursive { get; } = new("--recursive", "-r") { Description = "Tagging: look for audio in subfolders of the folders given too" };
    public Option<double?> Timeline { get; } = new("--timeline") { Description = "Tagging: also score consecutive windows of this many seconds along each file (start, end, top labels per window)" };
    public Option<bool> AllowFallbacks { get; } = new("--allow-fallbacks") { Description = "Submission: write it even when more than 5 % of the clips cannot be scored and keep their sample_submission label (at least one must be scored)" };
    public Option<bool> Info { get; } = new("--info") { Description = "Print what the model file(s) hold (variant, parameters, classes, features, recipe, training history) and exit" };

    public PredictCommandOptions()
    {
        Mean.OneOf([.. EnumSpelling.Spellings<EnsembleMean>()]);
        Batch.Between(1, 4096, "clips");
        Threads.Threads();
        Device.Device();
        TopK.Between(1, 1000, "labels");
        Timeline.PositiveAtMost(24 * 3600, "seconds");
        Format.Check<string?>(v => v is null or "table" or "tsv" or "csv" or "json" or "jsonl" or "plain", "must be one of table, tsv, csv, json, jsonl (with --info: plain, json)");
        Threshold.Check<double?>(v => v is null || (double.IsFinite(v.Value) && v >= 0 && v <= 1), "must be a probability from 0 to 1");
    }

    /// <summary>The options that only tagging takes (a submission always has the 3 best labels per clip).</summary>
    public IReadOnlyList<Option> TaggingOnly => [Format, TopK, AllClasses, Recursive, Timeline, Threshold];

    /// <summary>Adds the arguments and options to <paramref name="command"/>, in the order --help lists them.</summary>
    public void AddTo(Command command)
    {
        command.Arguments.Add(Model);
        command.Arguments.Add(Inputs);
        foreach (var option in new Option[] { Probabilities, Truth, Batch, Threads, Device, Tf32, Mean, Format, TopK, AllClasses, Recursive, Timeline, Info, AllowFallbacks, Threshold }) command.Options.Add(option);
    }
}
