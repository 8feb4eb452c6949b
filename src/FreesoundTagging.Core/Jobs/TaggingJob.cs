using FreesoundTagging.Audio;
using FreesoundTagging.Features;
using FreesoundTagging.Scoring;
using FreesoundTagging.IO;
using FreesoundTagging.Inference;
using FreesoundTagging.Torch;

namespace FreesoundTagging.Jobs;

/// <summary>What predict's tagging mode is asked to do.</summary>
/// <param name="Inputs">Audio files (any format, told by content) and folders of them.</param>
/// <param name="Recursive">Folders are walked into their subfolders too.</param>
/// <param name="TimelineSeconds">Also score consecutive windows of this length along each file (null: whole files only).</param>
public sealed record TaggingRequest(IReadOnlyList<string> ModelPaths, IReadOnlyList<string> Inputs)
{
    public bool Recursive { get; init; }

    public double? TimelineSeconds { get; init; }

    public int BatchSize { get; init; } = Predictor.DefaultBatchSize;

    public int Threads { get; init; }

    public string Device { get; init; } = "auto";

    public EnsembleMean Mean { get; init; } = EnsembleMean.Arithmetic;
}

/// <summary>predict's tagging mode: class probabilities for any audio files or folders of them, no competition files.</summary>
public static class TaggingJob
{
    /// <summary>Below this peak (-60 dBFS) a clip is flagged as near-silent: a closed-set tagger still names classes
    /// for it, with probabilities that say nothing about the (absent) sound.</summary>
    public const float NearSilentPeak = 1e-3f;

    /// <param name="started">Called once the models are loaded, before the first file is decoded.</param>
    /// <param name="tagged">Called with each file's tags, in order, as soon as they are known (timeline included).</param>
    /// <exception cref="InvalidInputException">A model path is bad, or a folder holds no audio.</exception>
    public static TaggingResult Run(TaggingRequest request, IProgress<PredictionProgress>? progress = null, CancellationToken cancel = default,
        Action<TaggingStart>? started = null, Action<FileTags>? tagged = null)
    {
        if (request.TimelineSeconds is { } t && !(t > 0 && double.IsFinite(t)))
            throw new InvalidInputException($"--timeline must be a positive number of seconds (got {t})");
        var (files, skipped) = Expand(request.Inputs, request.Recursive);
        using var loaded = ModelEnsemble.Load(request.ModelPaths);
        // An unusable --device stops the run before the first line of results is written.
        Torch.ComputeDevice.Resolve(request.Device, announce: false);
        double frameSeconds = (double)loaded.Features.HopLength / loaded.Features.SampleRate;
        int? width = request.TimelineSeconds is { } seconds ? TimelineWindowFrames(loaded.Features, seconds) : null;
        var crops = loaded.Models.Select(m => m.Metadata.TrainingCropFrames).Distinct().ToList();
        double? cropSeconds = crops is [{ } crop] ? crop * frameSeconds : null;
        started?.Invoke(new TaggingStart(loaded.Classes, skipped, files.Count, width * frameSeconds, cropSeconds));
        var tags = new List<FileTags>(files.Count);
        loaded.CreatePredictor(request.BatchSize, request.Threads, request.Device, request.Mean, width).Predict(files, progress, cancel, p =>
        {
            var file = new FileTags(p.Path, p.Seconds, p.Probabilities, p.Error is null ? null : WithoutPath(p.Error, p.Path), p.Timeline,
                p.Error is null ? Warnings(p) : []);
            tags.Add(file);
            tagged?.Invoke(file);
        });
        return new TaggingResult(loaded.Classes, tags, skipped, width * frameSeconds);
    }

    /// <summary>Why a tagged clip's labels are doubtful: cut short, silent or near-silent (empty when none applies).</summary>
    public static IReadOnlyList<string> Warnings(ClipPrediction p)
    {
        var warnings = new List<string>();
        if (p.Truncated) warnings.Add($"truncated: the file ends inside its audio data; tagged on the {p.Seconds:0.000} s it holds");
        if (p.Peak == 0) warnings.Add("silent: every sample is 0; the labels say nothing about the file");
        else if (p.Peak < NearSilentPeak) warnings.Add($"near-silent: peak {20 * Math.Log10(p.Peak):0} dBFS; the labels may say nothing about the file");
        return warnings;
    }

    /// <summary>
    /// Frames per timeline window: the <paramref name="seconds"/> asked for, whatever the models. A model trained on
    /// crops scores each window as it scores a clip: its crops slide over the window and are averaged (a window
    /// shorter than the crop is looped to it, as a short clip is).
    /// </summary>
    public static int TimelineWindowFrames(FeatureConfig features, double seconds) =>
        Math.Max(1, (int)Math.Round(seconds * features.SampleRate / features.HopLength));

    /// <summary>Files as given; folders as the audio files in them (by content, sorted; with
    /// <paramref name="recursive"/> also in their subfolders). Files in folders that are not audio are skipped.</summary>
    /// <exception cref="InvalidInputException">A folder holds no audio (a missing path is kept: its error is the file's).</exception>
    public static (List<string> Files, List<SkippedFile> Skipped) Expand(IReadOnlyList<string> inputs, bool recursive = false)
    {
        var files = new List<string>();
        var skipped = new List<SkippedFile>();
        foreach (string input in inputs)
        {
            if (Directory.Exists(input))
            {
                // An unreadable subfolder is an error, not silently fewer files. Each folder is walked once (by device
                // and inode), so links back up do not loop; folders on /proc, /sys or /dev are passed over, each named.
                int before = files.Count;
                List<string> found;
                try
                {
                    (found, var passedOver) = IO.FolderWalk.Files(input, recursive);
                    skipped.AddRange(passedOver.Select(p => new SkippedFile(p.Path, p.Reason)));
                }
                catch (Exception e) when (e is IOException or UnauthorizedAccessException)
                {
                    throw new InvalidInputException($"cannot list the folder ({e.Message})", input, e);
                }
                foreach (string file in found)
                {
                    string? reason = NotAudio(file);
                    if (reason is null) files.Add(file);
                    else skipped.Add(new SkippedFile(file, reason));
                }
                if (files.Count == before)
                    throw new InvalidInputException(recursive ? "folder and its subfolders hold no audio files" : "folder holds no audio files" + (Directory.EnumerateDirectories(input).Any() ? " (use --recursive to look into its subfolders)" : ""), input);
            }
            // A path that is not there (a typo, a file deleted since) is that file's error, as for any file that
            // cannot be read: the decoder reports it, and the other files are still tagged.
            else files.Add(input);
        }
        return (files, skipped);
    }

    // The path leads the file's entry already; its error says only what is wrong.
    private static string WithoutPath(string message, string path) =>
        message.StartsWith(path + ": ", StringComparison.Ordinal) ? message[(path.Length + 2)..] : message;

    // Only what is certainly not audio is left out of a folder walk: an empty, unreadable or unrecognised file.
    // Anything recognised is tried, so a damaged FLAC is reported rather than silently passed over.
    private static string? NotAudio(string file)
    {
        try
        {
            // Never opened to sniff unless regular: a FIFO would block the walk.
            if (IO.RegularFile.Problem(file, "an audio file") is { } problem) return problem;
            if (new FileInfo(file).Length == 0) return "empty file";
            var format = AudioDecoder.DetectFormat(file);
            return format.Decoder == AudioDecoderKind.Unknown ? "not a recognised audio format" : null;
        }
        catch (InvalidInputException e)
        {
            return WithoutPath(e.Message, file);
        }
    }
}
