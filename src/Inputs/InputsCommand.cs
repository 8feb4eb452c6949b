using System.CommandLine;
using FreesoundTagging.CommandLine;
using FreesoundTagging.Datasets;
using FreesoundTagging.Features;
using FreesoundTagging.IO;

namespace FreesoundTagging.Inputs;

/// <summary><c>inputs &lt;audio_train_dir&gt; &lt;train.csv&gt;</c>: audio clips → samples.npy, labels.npy, dataset.json.</summary>
public static class InputsCommand
{
    public static int Run(string[] args) => CommandRunner.Invoke(Create(), args);

    public static RootCommand Create()
    {
        var audioDir = new Argument<string>("audio_train_dir") { Description = "Folder holding the audio files named in train.csv (WAV, MP3, Ogg; FLAC, Opus, M4A, AIFF... with ffmpeg)" };
        var trainCsv = new Argument<string>("train.csv") { Description = "CSV with columns fname,label[,manually_verified]" };
        var outDir = new Option<string>("--out-dir", "-o") { Description = "Where to write samples.npy, labels.npy and dataset.json", DefaultValueFactory = _ => "." };
        var maxFrames = new Option<int>("--max-frames") { Description = "Rows per clip (one per hop: 10 ms at the default settings); longer clips are truncated with a warning", DefaultValueFactory = _ => FeatureConfig.Original.MaxFrames };
        var dtype = new Option<string>("--dtype") { Description = "float32, or float64 as the original wrote", DefaultValueFactory = _ => "float32" };
        dtype.OneOf("float32", "float64");
        var verifiedOnly = new Option<bool>("--verified-only") { Description = "Keep only rows with manually_verified = 1" };
        var skipInvalid = new Option<bool>("--skip-invalid") { Description = "Skip missing or unreadable clips (listed in a warning) instead of stopping" };
        var shard = new Option<string?>("--shard") { Description = "K/N: process every N-th row starting at K (0-based), for splitting work across machines; auto/N takes K from SLURM_ARRAY_TASK_ID (minus SLURM_ARRAY_TASK_MIN) or JOB_COMPLETION_INDEX" };
        var threads = new Option<int>("--threads") { Description = "Clips decoded in parallel", DefaultValueFactory = _ => Environment.ProcessorCount };
        var features = new FeatureOptions();

        maxFrames.Between(1, FeatureConfig.MaxFramesLimit, "frames");
        threads.Threads();
        shard.Validators.Add(result =>
        {
            if (result.Tokens.Count == 0) return;
            string text = result.Tokens[0].Value;
            if (!TryParseShard(text, Environment.GetEnvironmentVariable, out _, out string error)) result.AddError($"--shard: {error}");
        });

        var command = new RootCommand("Turn a folder of audio clips and train.csv into log-mel arrays for training (numpy .npy).")
        {
            audioDir, trainCsv, outDir, maxFrames, dtype, verifiedOnly, skipInvalid, shard, threads,
        };
        foreach (var option in features.All) command.Options.Add(option);
        features.AddCrossChecks(command);
        command.SetAction(parse => CommandRunner.Run(cancel =>
        {
            var (shardIndex, shardCount) = ParseShard(parse.GetValue(shard));
            var request = new InputsRequest
            {
                AudioDir = parse.GetRequiredValue(audioDir),
                TrainCsv = parse.GetRequiredValue(trainCsv),
                OutDir = parse.GetRequiredValue(outDir),
                Features = features.Read(parse, FeatureConfig.Original with { MaxFrames = parse.GetValue(maxFrames) }),
                Dtype = NpyDtypeExtensions.Parse(parse.GetRequiredValue(dtype)),
                VerifiedOnly = parse.GetValue(verifiedOnly),
                SkipInvalid = parse.GetValue(skipInvalid),
                ShardIndex = shardIndex,
                ShardCount = shardCount,
                Threads = parse.GetValue(threads),
            };
            // The bar and its time left count audio seconds, decoded: a long clip moves it as it is read.
            var result = ProgressDisplay.Run("inputs", report => DatasetBuilder.Build(request,
                new InlineProgress<ExtractionProgress>(p => report(p.DecodedSeconds, p.TotalSeconds,
                    $"{p.Done}/{p.Total} clips, {p.DecodedSeconds / Math.Max(p.Elapsed.TotalSeconds, 1e-9):0.0} audio-s/s")), cancel), unit: "audio-s");
            Summarise(result);
            return ExitCodes.Ok;
        }));
        return command;
    }

    internal static (int Index, int Count) ParseShard(string? text, Func<string, string?>? environment = null)
    {
        if (string.IsNullOrWhiteSpace(text)) return (0, 1);
        if (TryParseShard(text, environment ?? Environment.GetEnvironmentVariable, out var shard, out string error)) return shard;
        throw new InvalidInputException($"--shard: {error}");
    }

    /// <summary>K/N, or auto/N with K from the scheduler's task index (a Slurm array or a Kubernetes Indexed Job).</summary>
    internal static bool TryParseShard(string text, Func<string, string?> environment, out (int Index, int Count) shard, out string error)
    {
        shard = (0, 1);
        error = $"must be K/N with 0 <= K < N, or auto/N, e.g. 0/4 (got '{text}')";
        string[] parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[1], out int n) || n < 1) return false;
        int k;
        if (parts[0] == "auto")
        {
            if (!TaskIndex(environment, out k, out string source, out error)) return false;
            if (k < 0 || k >= n)
            {
                error = $"auto/{n}: {source} gives shard {k}, not in 0..{n - 1}";
                return false;
            }
        }
        else if (!int.TryParse(parts[0], out k) || k < 0 || k >= n) return false;
        shard = (k, n);
        error = "";
        return true;
    }

    private static bool TaskIndex(Func<string, string?> environment, out int k, out string source, out string error)
    {
        k = 0;
        source = error = "";
        string? slurm = environment("SLURM_ARRAY_TASK_ID");
        string? job = environment("JOB_COMPLETION_INDEX");
        if (!string.IsNullOrWhiteSpace(slurm))
        {
            // --array=1-4 numbers its tasks from 1: the offset from the array's first task is the shard.
            string? min = environment("SLURM_ARRAY_TASK_MIN");
            if (!WholeNumber("SLURM_ARRAY_TASK_ID", slurm, out int id, ref error)) return false;
            int first = 0;
            if (!string.IsNullOrWhiteSpace(min) && !WholeNumber("SLURM_ARRAY_TASK_MIN", min, out first, ref error)) return false;
            k = id - first;
            source = string.IsNullOrWhiteSpace(min) ? $"SLURM_ARRAY_TASK_ID={id}" : $"SLURM_ARRAY_TASK_ID={id} minus SLURM_ARRAY_TASK_MIN={first}";
            return true;
        }
        if (!string.IsNullOrWhiteSpace(job))
        {
            if (!WholeNumber("JOB_COMPLETION_INDEX", job, out k, ref error)) return false;
            source = $"JOB_COMPLETION_INDEX={k}";
            return true;
        }
        error = "auto/N needs SLURM_ARRAY_TASK_ID (a Slurm job array) or JOB_COMPLETION_INDEX (a Kubernetes Indexed Job), and neither is set; give K/N instead";
        return false;
    }

    private static bool WholeNumber(string name, string text, out int value, ref string error)
    {
        if (int.TryParse(text.Trim(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out value)) return true;
        error = $"auto/N: {name} is '{text}', not a whole number";
        return false;
    }

    private static void Summarise(InputsResult r)
    {
        foreach (var s in r.Skipped.Take(10)) CommandRunner.Warning($"skipped {s.Fname}: {s.Reason}");
        if (r.Skipped.Count > 10) CommandRunner.Warning($"skipped {r.Skipped.Count - 10} more clips");
        if (r.TruncatedClips.Count > 0)
            CommandRunner.Warning($"{r.TruncatedClips.Count} clip(s) longer than {r.Dataset.Features.MaxFrames} frames were truncated (e.g. {string.Join(", ", r.TruncatedClips.Take(3))}); raise --max-frames to keep them whole");
        if (r.EmptyMelBands > 0 && r.Dataset.Features is var f)
            CommandRunner.Warning($"{r.EmptyMelBands} of {f.MelCount} mel bands cover no FFT bin (FFT {f.FftSize} at {f.SampleRate} Hz, {f.FMinHz:0.###}-{f.FMaxHz:0.###} Hz) and are constant; use fewer --mels, a larger --n-fft or a higher --fmin");
        if (r.ShortReadClips.Count > 0)
            CommandRunner.Warning($"{r.ShortReadClips.Count} file(s) end inside their data chunk and were read as far as they go (e.g. {string.Join(", ", r.ShortReadClips.Take(3))})");
        var d = r.Dataset;
        double wall = Math.Max(r.Elapsed.TotalSeconds, 1e-9);
        Console.WriteLine($"wrote {r.SamplesPath} ({d.RowCount}, {d.Features.MaxFrames}, {d.Features.MelCount}) {d.Dtype.Name()}");
        Console.WriteLine($"wrote {r.LabelsPath} ({d.RowCount}, {d.Classes.Count}) one-hot over {d.Classes.Count} classes");
        Console.WriteLine($"wrote {r.DatasetPath}");
        Console.WriteLine($"{d.RowCount} clips, {r.AudioSeconds / 60:0.0} min of audio in {Terminal.Duration(r.Elapsed)} ({d.RowCount / wall:0.0} clips/s, {r.AudioSeconds / wall:0} audio-s per s)");
    }
}
