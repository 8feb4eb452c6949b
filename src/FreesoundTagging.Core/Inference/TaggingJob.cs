using FreesoundTagging.Audio;
using FreesoundTagging.Features;
using FreesoundTagging.Runtime;
using TorchSharp;

namespace FreesoundTagging.Inference;

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

/// <summary>One window of a timeline: its span in the file and its class probabilities.</summary>
public sealed record TimelineWindow(double StartSeconds, double EndSeconds, float[] Probabilities);

/// <summary>A file's class probabilities (in the model's class order), or why it could not be tagged.</summary>
/// <param name="Path">As given, or as found under a given folder (so relative when the folder was).</param>
/// <param name="Timeline">Per-window probabilities when a timeline was asked for and the file could be read.</param>
public sealed record FileTags(string Path, double Seconds, float[]? Probabilities, string? Error, IReadOnlyList<TimelineWindow>? Timeline = null);

/// <summary>A file found in a folder that was left out, and why.</summary>
public sealed record SkippedFile(string Path, string Reason);

/// <param name="Classes">The models' classes: the order of every probability row.</param>
/// <param name="TimelineWindowSeconds">The length of the timeline windows actually used (see <see cref="TaggingJob.TimelineWindowFrames"/>), or null.</param>
/// <param name="TimelineWindowIsCrop">Whether those windows are the crop the models were trained on (else the length asked
/// for, rounded to whole feature frames, at least one).</param>
public sealed record TaggingResult(IReadOnlyList<string> Classes, IReadOnlyList<FileTags> Files, IReadOnlyList<SkippedFile> Skipped, double? TimelineWindowSeconds = null,
    bool TimelineWindowIsCrop = false);

/// <summary>predict's tagging mode: class probabilities for any audio files or folders of them, no competition files.</summary>
public static class TaggingJob
{
    /// <exception cref="InvalidInputException">A model or input path is bad, or no audio was found.</exception>
    public static TaggingResult Run(TaggingRequest request, IProgress<PredictionProgress>? progress = null, CancellationToken cancel = default)
    {
        if (request.TimelineSeconds is { } t && !(t > 0 && double.IsFinite(t)))
            throw new InvalidInputException($"--timeline must be a positive number of seconds (got {t})");
        var (files, skipped) = Expand(request.Inputs, request.Recursive);
        using var loaded = ModelEnsemble.Load(request.ModelPaths);
        var predictions = loaded.CreatePredictor(request.BatchSize, request.Threads, request.Device, request.Mean).Predict(files, progress, cancel);
        var tags = predictions.Select(p => new FileTags(p.Path, p.Seconds, p.Probabilities, p.Error is null ? null : WithoutPath(p.Error, p.Path))).ToList();
        double? windowSeconds = null;
        bool isCrop = false;
        if (request.TimelineSeconds is { } seconds)
        {
            var crops = loaded.Models.Select(m => m.Metadata.TrainingCropFrames).ToList();
            int width = TimelineWindowFrames(crops, loaded.Features, seconds);
            isCrop = crops.Count > 0 && crops[0] == width && crops.All(c => c == width);
            windowSeconds = (double)width * loaded.Features.HopLength / loaded.Features.SampleRate;
            tags = tags.Select(f => f.Error is null ? f with { Timeline = Timeline(loaded, request, f.Path, width, cancel) } : f).ToList();
        }
        return new TaggingResult(loaded.Classes, tags, skipped, windowSeconds, isCrop);
    }

    /// <summary>
    /// Frames per timeline window: models trained on crops (all with the same crop) are timed on windows of exactly
    /// that crop, the finest span they were trained to tag, also when they score longer windows (--score-window: each
    /// timeline window is then looped to it, as a short clip is); models trained on whole clips, or an ensemble that
    /// mixes crop lengths, on windows of the <paramref name="seconds"/> asked for.
    /// </summary>
    public static int TimelineWindowFrames(IReadOnlyList<int?> modelCropFrames, FeatureConfig features, double seconds)
    {
        if (modelCropFrames.Count > 0 && modelCropFrames[0] is { } crop && modelCropFrames.All(w => w == crop)) return crop;
        return Math.Max(1, (int)Math.Round(seconds * features.SampleRate / features.HopLength));
    }

    /// <summary>Files as given; folders as the audio files in them (by content, sorted; with
    /// <paramref name="recursive"/> also in their subfolders). Files in folders that are not audio are skipped.</summary>
    /// <exception cref="InvalidInputException">A path does not exist, or a folder holds no audio.</exception>
    public static (List<string> Files, List<SkippedFile> Skipped) Expand(IReadOnlyList<string> inputs, bool recursive = false)
    {
        var files = new List<string>();
        var skipped = new List<SkippedFile>();
        foreach (string input in inputs)
        {
            if (Directory.Exists(input))
            {
                // An unreadable subfolder is an error, not silently fewer files; hidden files (dot files, macOS's
                // ._x.wav) are not the user's audio.
                var options = new EnumerationOptions { RecurseSubdirectories = recursive, IgnoreInaccessible = false, AttributesToSkip = FileAttributes.Hidden };
                int before = files.Count;
                List<string> found;
                try
                {
                    found = Directory.EnumerateFiles(input, "*", options).Order(StringComparer.Ordinal).ToList();
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
            else if (File.Exists(input)) files.Add(input);
            else throw new InvalidInputException(IO.RegularFile.TooLong(input) ?? "no such file or folder", input);
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

    /// <summary>Consecutive windows of <paramref name="width"/> frames (the last one ends with the file, shorter),
    /// each scored by every model as a clip of its own - a crop-length window exactly as in training, a shorter
    /// last one looped to the crop; for a padded model zero-padded - and the models averaged.</summary>
    private static List<TimelineWindow> Timeline(ModelEnsemble loaded, TaggingRequest request, string path, int width, CancellationToken cancel)
    {
        var features = loaded.Features;
        int cores = request.Threads > 0 ? request.Threads : Environment.ProcessorCount;
        TorchRuntime.Initialise(cores);
        var device = TorchRuntime.ResolveDevice(request.Device);
        var extractor = new LogMelExtractor(features);
        var clip = ClipFeatures.Load(extractor, path);
        if (clip.Mel is not { } mel) return [];
        var spans = TimelineSpans.Of(mel.Frames, features.SampleRate, features.HopLength, width, clip.Seconds);
        var windows = spans.Select(s => new LogMel(mel.Values.AsSpan(s.FirstFrame * mel.MelCount, s.FrameCount * mel.MelCount).ToArray(), s.FrameCount, mel.MelCount)).ToList();
        torch.set_num_threads(cores);
        var perModel = loaded.Models.Select(m =>
        {
            cancel.ThrowIfCancellationRequested();
            m.Model.to(device);
            m.Model.eval();
            return ClipScorer.For(m, request.BatchSize).Score(windows, device);
        }).ToList();
        return spans.Select((s, i) => new TimelineWindow(s.StartSeconds, s.EndSeconds, EnsembleAverage.Combine(perModel.Select(p => p[i]).ToList(), request.Mean))).ToList();
    }
}

/// <summary>One timeline window in frames of the log-mel and in seconds of the file.</summary>
public readonly record struct TimelineSpan(int FirstFrame, int FrameCount, double StartSeconds, double EndSeconds);

public static class TimelineSpans
{
    /// <summary>Consecutive windows of <paramref name="width"/> frames over <paramref name="frames"/> log-mel frames
    /// (a frame every <paramref name="hop"/> samples); the last, possibly shorter, ends at the file's end.</summary>
    public static List<TimelineSpan> Of(int frames, int sampleRate, int hop, int width, double durationSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        double frameSeconds = (double)hop / sampleRate;
        var spans = new List<TimelineSpan>();
        for (int first = 0; first < frames; first += width)
        {
            int count = Math.Min(width, frames - first);
            double start = first * frameSeconds;
            if (start >= durationSeconds && spans.Count > 0) break; // the centre-padded last frame adds no audio
            double end = Math.Min(durationSeconds, (first + count) * frameSeconds);
            spans.Add(new TimelineSpan(first, count, start, end));
        }
        if (spans.Count > 0) spans[^1] = spans[^1] with { EndSeconds = durationSeconds };
        return spans;
    }
}
