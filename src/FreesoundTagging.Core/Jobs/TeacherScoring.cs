using System.Security.Cryptography;
using FreesoundTagging.Datasets;
using FreesoundTagging.Features;
using FreesoundTagging.Inference;
using FreesoundTagging.Models;
using FreesoundTagging.Recipes;
using FreesoundTagging.Scoring;
using FreesoundTagging.Torch;
using FreesoundTagging.Training;

namespace FreesoundTagging.Jobs;

/// <summary>
/// The distillation targets of a training set from teacher model files: every clip scored once, as predict scores it
/// with those files (every member, window and band shift; several files averaged), then softened by the run's
/// temperature (<see cref="TeacherTargets"/>). A teacher must know the data's classes, in order, and have been trained on
/// the same feature settings: its probabilities would otherwise be for other classes or other inputs.
/// </summary>
public static class TeacherScoring
{
    /// <param name="time">The clock of the progress lines (tests pass one that jumps).</param>
    /// <exception cref="InvalidModelException">Not a model file, or one whose classes or features differ from the data's.</exception>
    public static TeacherTargets Score(IReadOnlyList<string> teacherPaths, TrainingSet data, TrainingOptions options, Action<string>? say = null, CancellationToken cancel = default,
        TimeProvider? time = null)
    {
        time ??= TimeProvider.System;
        // Several files must agree with each other on classes and features (ModelEnsemble), and the first with the data.
        using var teachers = ModelEnsemble.Load(teacherPaths);
        var teacher = teachers.Models[0];
        teacher.EnsureClasses(data.Classes);
        if (Differences(teacher.Features, data.Features) is { Count: > 0 } differ)
            throw new InvalidModelException($"the teacher was trained on other features than this data ({string.Join(", ", differ)}); a teacher must score the student's own inputs", teacher.Path);
        TorchRuntime.Initialise(options.Threads);
        var device = ComputeDevice.Resolve(options.Device, announce: false).Device;
        var scorer = EnsembleScorer.For(teachers.Models, Predictor.DefaultBatchSize, EnsembleMean.Arithmetic);
        scorer.Prepare(device);
        int classes = data.Classes.Count;
        var probabilities = new float[data.Count * classes];
        long started = time.GetTimestamp();
        say?.Invoke(teacherPaths.Count == 1
            ? $"teacher: scoring the {data.Count} clips with {Path.GetFileName(teacherPaths[0])} ({teacher.History.Recipe})"
            : $"teacher: scoring the {data.Count} clips with {teacherPaths.Count} model files averaged ({string.Join(", ", teacherPaths.Select(Path.GetFileName))})");
        const int chunk = 64;
        // A large set takes minutes on a CPU (the teacher scores each clip as predict would): a line every
        // ReportSeconds says how far it is.
        double reported = 0;
        for (int start = 0; start < data.Count; start += chunk)
        {
            cancel.ThrowIfCancellationRequested();
            int count = Math.Min(chunk, data.Count - start);
            var rows = scorer.Score([.. Enumerable.Range(start, count).Select(data.ReadClip)], device, cancel);
            for (int i = 0; i < count; i++) rows[i].CopyTo(probabilities, (start + i) * classes);
            double seconds = time.GetElapsedTime(started).TotalSeconds;
            if (start + count < data.Count && seconds - reported >= ReportSeconds)
            {
                reported = seconds;
                say?.Invoke(FormattableString.Invariant($"teacher: scored {start + count} of {data.Count} clips ({seconds:0} s)"));
            }
        }
        TeacherTargets.Soften(probabilities, classes, options.DistillTemperature);
        say?.Invoke(FormattableString.Invariant($"teacher: scored {data.Count} clips in {time.GetElapsedTime(started).TotalSeconds:0} s; distilling at temperature {options.DistillTemperature:G4}, weight {options.DistillWeight:G4}"));
        return new TeacherTargets(probabilities, classes, options.DistillTemperature, Fingerprint(teacherPaths));
    }

    /// <summary>Seconds between the progress lines of a long scoring.</summary>
    public const double ReportSeconds = 10;

    /// <summary>The first 16 hex digits of the files' SHA-256 (of each file's, in order, for several).</summary>
    public static string Fingerprint(IReadOnlyList<string> paths)
    {
        var hashes = paths.Select(path =>
        {
            using var file = File.OpenRead(path);
            return SHA256.HashData(file);
        }).ToList();
        return Convert.ToHexString(hashes.Count == 1 ? hashes[0] : SHA256.HashData(hashes.SelectMany(h => h).ToArray()))[..16];
    }

    /// <summary>"name: teacher value, data value" for each feature setting that differs.</summary>
    internal static List<string> Differences(FeatureConfig teacher, FeatureConfig data) =>
        [.. typeof(FeatureConfig).GetProperties().Where(p => p.CanRead && !Equals(p.GetValue(teacher), p.GetValue(data)))
            .Select(p => $"{p.Name} {p.GetValue(teacher)} against {p.GetValue(data)}")];
}
