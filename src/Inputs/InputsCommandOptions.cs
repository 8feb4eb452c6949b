using System.CommandLine;
using FreesoundTagging.CommandLine;
using FreesoundTagging.Datasets;
using FreesoundTagging.Features;
using FreesoundTagging.IO;
using FreesoundTagging.Jobs;

namespace FreesoundTagging.Inputs;

/// <summary>The inputs command's arguments and options (the feature settings are <see cref="FeatureOptions"/>), and
/// the request they make.</summary>
internal sealed class InputsCommandOptions
{
    private readonly Argument<string> _audioDir = new("audio_train_dir") { Description = "Folder holding the audio files named in train.csv (WAV, MP3, Ogg; FLAC, Opus, M4A, AIFF... with ffmpeg)" };
    private readonly Argument<string> _trainCsv = new("train.csv") { Description = "CSV with columns fname,label[,manually_verified]" };
    private readonly Option<string> _outDir = new("--out-dir", "-o") { Description = "Where to write samples.npy, labels.npy and dataset.json", DefaultValueFactory = _ => "." };
    private readonly Option<int> _maxFrames = new("--max-frames") { Description = "Rows per clip (one per hop: 10 ms at the default settings); longer clips are truncated with a warning", DefaultValueFactory = _ => FeatureConfig.Original.MaxFrames };
    private readonly Option<string> _dtype = new("--dtype") { Description = "float32, or float64 as the original wrote", DefaultValueFactory = _ => "float32" };
    private readonly Option<bool> _verifiedOnly = new("--verified-only") { Description = "Keep only rows with manually_verified = 1" };
    private readonly Option<bool> _skipInvalid = new("--skip-invalid") { Description = "Skip missing or unreadable clips (listed in a warning) instead of stopping" };
    private readonly Option<string?> _shard = new("--shard") { Description = "K/N: process every N-th row starting at K (0-based), for splitting work across machines; auto/N takes K from SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN) or JOB_COMPLETION_INDEX" };
    private readonly Option<int> _threads = new("--threads") { Description = "Clips decoded in parallel", DefaultValueFactory = _ => Environment.ProcessorCount };
    private readonly FeatureOptions _features = new();

    public InputsCommandOptions()
    {
        _dtype.OneOf("float32", "float64");
        _maxFrames.Between(1, FeatureConfig.MaxFramesLimit, "frames");
        _threads.Threads();
        _shard.Validators.Add(result =>
        {
            if (result.Tokens.Count == 0) return;
            string text = result.Tokens[0].Value;
            if (!ShardOption.TryParse(text, Environment.GetEnvironmentVariable, out _, out string error)) result.AddError($"--shard: {error}");
        });
    }

    /// <summary>Adds the arguments and options to <paramref name="command"/>, in the order --help lists them.</summary>
    public void AddTo(Command command)
    {
        command.Arguments.Add(_audioDir);
        command.Arguments.Add(_trainCsv);
        foreach (var option in new Option[] { _outDir, _maxFrames, _dtype, _verifiedOnly, _skipInvalid, _shard, _threads }) command.Options.Add(option);
        foreach (var option in _features.All) command.Options.Add(option);
        _features.AddCrossChecks(command);
    }

    /// <summary>The request the command line makes.</summary>
    public InputsRequest Request(ParseResult parse)
    {
        var (shardIndex, shardCount) = ShardOption.Parse(parse.GetValue(_shard));
        return new InputsRequest
        {
            AudioDir = parse.GetRequiredValue(_audioDir),
            TrainCsv = parse.GetRequiredValue(_trainCsv),
            OutDir = parse.GetRequiredValue(_outDir),
            Features = _features.Read(parse, FeatureConfig.Original with { MaxFrames = parse.GetValue(_maxFrames) }),
            Dtype = NpyDtypeExtensions.Parse(parse.GetRequiredValue(_dtype)),
            VerifiedOnly = parse.GetValue(_verifiedOnly),
            SkipInvalid = parse.GetValue(_skipInvalid),
            ShardIndex = shardIndex,
            ShardCount = shardCount,
            Threads = parse.GetValue(_threads),
        };
    }
}
