using FreesoundTagging.IO;
using FreesoundTagging.Metrics;
using TorchSharp;
using FreesoundTagging.Datasets;
using FreesoundTagging.Models;
using FreesoundTagging.Recipes;
using FreesoundTagging.Reporting;
using FreesoundTagging.Scoring;
using FreesoundTagging.Torch;
using FreesoundTagging.Training;

namespace FreesoundTagging.Jobs;

/// <summary>What <c>model</c> is asked to do.</summary>
public sealed record TrainRequest
{
    /// <summary>Folders holding samples.npy, labels.npy and dataset.json (several = shards of one dataset).</summary>
    public IReadOnlyList<string> DataDirs { get; init; } = ["."];

    /// <summary>The model file to write (the original's save_name); with folds, each fold's file is named after it.</summary>
    public required string SavePath { get; init; }

    /// <summary>The network to train (the command's first argument).</summary>
    public ModelVariant Variant { get; init; } = ModelVariant.Cnn1dDropout;

    public TrainingOptions Options { get; init; } = new();

    /// <summary>Model files to distil from, averaged as predict averages them (<see cref="TeacherScoring"/>): the run is
    /// trained towards their probabilities as well as the labels, as <see cref="TrainingOptions.DistillWeight"/> and
    /// <see cref="TrainingOptions.DistillTemperature"/> say; empty: the labels alone.</summary>
    public IReadOnlyList<string> TeacherPaths { get; init; } = [];

    /// <summary>Continue from SavePath's checkpoint instead of starting afresh.</summary>
    public bool Resume { get; init; }

    public string CheckpointPath => SavePath + ".ckpt";

    public string PlotPath => SavePath + ".curves.png";

    /// <summary>The per-epoch history as CSV (<see cref="TrainingHistoryCsv"/>), updated after every epoch.</summary>
    public string HistoryPath => SavePath + ".history.csv";

    /// <summary>The recipe the options were expanded from (a built-in name or a recipe file), recorded in the model.</summary>
    public string? RecipeName { get; init; }

    /// <summary>Where the per-class results of a validated run go: the table (.perclass.csv), the bar chart
    /// (.perclass.png) and the confusion matrix (.confusion.png), next to the model.</summary>
    public ClassReportPaths ReportPaths => ClassReportPaths.Beside(SavePath);

    /// <summary>Where fold <paramref name="fold"/> (0-based) of a K-fold run is saved: model.fstmodel → model.fold1.fstmodel.</summary>
    public string FoldPath(int fold) => Beside($".fold{fold + 1}");

    /// <summary>Where member <paramref name="member"/> (0-based) of an ensemble run is kept until all are trained and
    /// joined into <see cref="SavePath"/>: model.fstmodel → model.member1.fstmodel.</summary>
    public string MemberPath(int member) => Beside($".member{member + 1}");

    private string Beside(string tag)
    {
        string extension = Path.GetExtension(SavePath);
        return SavePath[..^extension.Length] + tag + extension;
    }

    /// <summary>The separate runs this request makes: the folds, the members, or itself.</summary>
    internal IReadOnlyList<TrainRequest> Runs =>
        Options.Folds >= 2 ? [.. Enumerable.Range(0, Options.Folds).Select(k => this with { SavePath = FoldPath(k) })]
        : Options.Members >= 2 ? [.. Enumerable.Range(0, Options.Members).Select(k => this with { SavePath = MemberPath(k) })]
        : [this];
}

/// <summary>What <c>model</c> wrote.</summary>
/// <param name="Rows">Rows of the dataset; <paramref name="TrainRows"/> of them were trained on, <paramref name="ValidationRows"/> held out.</param>
/// <param name="Validation">The kept model's scores on the held-out rows, null without validation.</param>
/// <param name="Report">The per-class files written for this model, null without validation.</param>
public sealed record TrainResult(string ModelPath, string PlotPath, string CheckpointPath, TrainingHistory History, long Parameters, int Rows, IReadOnlyList<string> Classes,
    int TrainRows = 0, int ValidationRows = 0, HeldOutScores? Validation = null, ClassReportPaths? Report = null);

/// <summary>Class probabilities of held-out rows: row-major, <see cref="Rows"/>.Length × classes.</summary>
public sealed record HeldOutScores(int[] Rows, float[] Scores);

/// <summary>What <c>model --folds K</c> wrote: one model per fold, each validated on its held-out fold.</summary>
/// <param name="OutOfFold">Per-class files over every row, each scored by the model that did not train on it.</param>
public sealed record CrossValidationResult(IReadOnlyList<TrainResult> Folds, ClassReportPaths? OutOfFold = null, double? OutOfFoldMap3 = null)
{
    /// <summary>Each fold's validation MAP@3 at its kept epoch (the last, or the best with --keep best).</summary>
    public IReadOnlyList<double> Map3 => Folds.Select(f => f.History.Kept?.MeanAveragePrecisionAt3 ?? double.NaN).ToList();

    public double MeanMap3 => Map3.Average();

    /// <summary>Sample standard deviation over the folds.</summary>
    public double StdMap3
    {
        get
        {
            double mean = MeanMap3;
            return Math.Sqrt(Map3.Sum(m => (m - mean) * (m - mean)) / Math.Max(Map3.Count - 1, 1));
        }
    }
}

/// <summary>The <c>model</c> command's core: datasets → trained network(s) → self-describing model file(s).</summary>
public static class ModelTraining
{
    /// <summary>Trains one network, or an ensemble of them with --members, and writes the model file, its curves,
    /// history and (with validation) per-class report.</summary>
    public static TrainResult Run(TrainRequest request, ITrainingObserver? observer = null, CancellationToken cancel = default)
    {
        observer ??= TrainingObserver.None;
        CheckRequest(request);
        CheckResumable(request);
        using var data = OpenData(request);
        var teacher = Teacher(request, data, observer, cancel);
        var result = request.Options.Members >= 2
            ? TrainMembers(data, request, teacher, observer, cancel)
            : Train(data, request, new TrainingRun(request.Variant.Name), teacher, observer, cancel);
        if (result.Validation is not { } held) return result;
        var report = ClassReport.Compute(held.Scores, data.Classes, held.Rows.Select(r => data.Labels[r]).ToList());
        ClassReportFiles.Write(request.ReportPaths, report, $"{request.Variant.Name}, epoch {result.History.KeptEpoch} ({result.ValidationRows} validation clips)");
        return result with { Report = request.ReportPaths };
    }

    /// <summary>
    /// K-fold cross-validation: K models, fold k held out from model k and used as its validation set, all folds
    /// drawn with one seed. With <see cref="TrainRequest.Resume"/>, folds already finished are kept and an
    /// interrupted one continues from its checkpoint.
    /// </summary>
    public static CrossValidationResult RunFolds(TrainRequest request, ITrainingObserver? observer = null, CancellationToken cancel = default)
    {
        observer ??= TrainingObserver.None;
        int folds = request.Options.Folds;
        if (folds < 2) throw new InvalidInputException($"folds must be at least 2 (got {folds})");
        CheckRequest(request);
        CheckResumable(request);
        using var data = OpenData(request);
        var teacher = Teacher(request, data, observer, cancel);
        // Every fold must split the rows the same way, so the seed is fixed once for all of them (and a resumed
        // run takes it from the first fold's model or checkpoint).
        int seed = request.Options.Seed ?? (request.Resume ? SavedSeed(request.Runs[0]) : null) ?? Random.Shared.Next();
        var results = new List<TrainResult>();
        for (int k = 0; k < folds; k++)
        {
            observer.OnRunStarting(k, folds);
            var foldRequest = request with { SavePath = request.FoldPath(k), Options = request.Options with { Seed = seed } };
            var fold = new TrainingRun(request.Variant.Name, Fold: k);
            results.Add(request.Resume && Finished(foldRequest, fold, data) is { } done ? done
                : Train(data, foldRequest with { Resume = request.Resume && File.Exists(foldRequest.CheckpointPath) }, fold, teacher, observer, cancel));
        }
        // Out-of-fold: every row scored by the one model that did not train on it.
        var rows = results.SelectMany(r => r.Validation!.Rows).ToList();
        var scores = results.SelectMany(r => r.Validation!.Scores).ToArray();
        var truth = rows.Select(r => data.Labels[r]).ToList();
        var report = ClassReport.Compute(scores, data.Classes, truth);
        ClassReportFiles.Write(request.ReportPaths, report, $"{request.Variant.Name}, {folds} folds, out-of-fold ({rows.Count} clips)");
        return new CrossValidationResult(results, request.ReportPaths, RankingMetrics.MeanAveragePrecisionAt3(scores, data.Classes.Count, truth));
    }

    /// <summary>
    /// An ensemble run: K networks trained on the same rows with member seeds (<see cref="TrainingRun.MemberSeed"/>),
    /// each kept as its own file until all are done, then joined into one model file (<see cref="MemberAverage"/>)
    /// and the member files removed. On the CPU with --threads T ≥ 2, members train side by side, each on
    /// max(1, T / width) threads (<see cref="ParallelMembers"/> gives the width). With <see cref="TrainRequest.Resume"/>, finished members
    /// are kept and interrupted ones continue from their checkpoints.
    /// </summary>
    private static TrainResult TrainMembers(TrainingSet data, TrainRequest request, TeacherTargets? teacher, ITrainingObserver observer, CancellationToken cancel)
    {
        int count = request.Options.Members;
        int seed = request.Options.Seed ?? (request.Resume ? SavedSeed(request.Runs[0]) : null) ?? Random.Shared.Next();
        int parallel = ParallelMembers(request.Options);
        var memberOptions = request.Options with { Seed = seed, Threads = Math.Max(1, request.Options.Threads / parallel) };
        TrainResult TrainMember(int k, CancellationToken token)
        {
            var member = request.Runs[k] with { Options = memberOptions };
            var run = new TrainingRun(request.Variant.Name, Member: k);
            return request.Resume && Finished(member, run, data) is { } done ? done
                : Train(data, member with { Resume = request.Resume && File.Exists(member.CheckpointPath) }, run, teacher, observer, token);
        }
        var members = parallel > 1 ? ConcurrentRuns.Run(count, parallel, TrainMember, observer.OnRunStarting, cancel)
            : [.. Enumerable.Range(0, count).Select(k => { observer.OnRunStarting(k, count); return TrainMember(k, cancel); })];

        using var outputLock = OutputLock.Acquire([request.SavePath]);
        var loaded = members.Select(m => ModelFile.Load(m.ModelPath)).ToList();
        using var ensemble = new MemberAverage(loaded.Select(l => l.Model).ToList());
        var first = members[0];
        var held = first.Validation is null ? null : AverageScores(members.Select(m => m.Validation!).ToList());
        double? map = held is null ? null : RankingMetrics.MeanAveragePrecisionAt3(held.Scores, data.Classes.Count, held.Rows.Select(r => data.Labels[r]).ToList());
        var options = request.Options with { Seed = seed };
        var history = first.History with
        {
            // Members trained side by side overlap: their times shared out over the threads that trained them
            // (each member's time includes any earlier process's part, so this holds for resumed runs too).
            ElapsedSeconds = members.Sum(m => m.History.ElapsedSeconds) / parallel,
            Options = options, Recipe = Describe(request, options),
            MemberElapsedSeconds = [.. members.Select(m => m.History.ElapsedSeconds)], EnsembleValidationMap3 = map,
            MemberValidationMap3 = held is null ? null : [.. members.Select(m => m.History.Kept?.MeanAveragePrecisionAt3 ?? double.NaN)],
        };
        ModelFile.Save(request.SavePath, ensemble, data.Classes, data.Features, history, request.Options.ScoringWindowFrames(data.Features), request.Options.WindowHopFrames(data.Features),
            request.Options.TtaBandShifts);
        TrainingCurvesPlot.Save(request.PlotPath, history, $"{request.Variant.Name}, member 1 of {count}, trained on {first.TrainRows} clips");
        TrainingHistoryCsv.Write(request.HistoryPath, first.History.Epochs, options);
        // The joined file holds every member: the separate files were only there to resume from.
        foreach (var (m, k) in members.Select((m, k) => (m, k)))
            foreach (string path in new[] { m.ModelPath, m.CheckpointPath, m.PlotPath, request.Runs[k].HistoryPath }) File.Delete(path);
        return new TrainResult(request.SavePath, request.PlotPath, request.CheckpointPath, history, ensemble.ParameterCount(), data.Count, data.Classes,
            first.TrainRows, first.ValidationRows, held);
    }

    /// <summary>
    /// How many members of an ensemble run train at a time on the CPU (1 on a GPU, or with one thread): all of them
    /// when there are threads enough; else as many waves as the threads fill, each as wide as it must be to hold
    /// every member (3 members on 2 threads: one wave of 3; 4: two of 2; 5: 3, then 2).
    /// </summary>
    /// <remarks>
    /// On 2 cores two VGG networks trained side by side on one thread each get through about 1.2x the steps that
    /// one network gets on two threads (docs/performance.md has the best recipe's figures): a small
    /// network's convolutions do not split well across threads. Waves of exactly T members would leave cores idle
    /// in the last one (a third member alone on one of 2 cores), and giving that member more threads would change
    /// its floats; so a member count that T does not divide runs wider waves, one thread each, the OS sharing the
    /// cores between them. On a GPU the members share one device, so they take turns.
    /// </remarks>
    public static int ParallelMembers(TrainingOptions options)
    {
        if (options.Members < 2 || options.Threads < 2 || !Torch.ComputeDevice.Resolve(options.Device, announce: false).IsCpu) return 1;
        if (options.Members <= options.Threads) return options.Members;
        int waves = options.Members / options.Threads;
        return (options.Members + waves - 1) / waves;
    }

    /// <summary>The members' held-out probabilities averaged row by row (they were validated on the same rows).</summary>
    private static HeldOutScores AverageScores(IReadOnlyList<HeldOutScores> members)
    {
        var rows = members[0].Rows;
        if (members.Any(m => !m.Rows.AsSpan().SequenceEqual(rows))) throw new InvalidOperationException("ensemble members were validated on different rows");
        var mean = new float[members[0].Scores.Length];
        foreach (var m in members)
            for (int i = 0; i < mean.Length; i++) mean[i] += m.Scores[i] / members.Count;
        return new HeldOutScores(rows, mean);
    }

    /// <summary>The request's teacher targets (the teacher scored once for every fold or member), or null without one
    /// or when a resumed request has no run left to train.</summary>
    /// <remarks>The teacher scores every clip as predict would, minutes on a large set. So a resumed request's
    /// checkpoints are checked first against the teacher's files (and a single run's against being finished): a run
    /// that cannot resume is refused before that wait, with the words the trainer would use.</remarks>
    private static TeacherTargets? Teacher(TrainRequest request, TrainingSet data, ITrainingObserver observer, CancellationToken cancel)
    {
        if (request.TeacherPaths.Count == 0) return null;
        if (request.Resume)
        {
            string fingerprint = TeacherScoring.Fingerprint(request.TeacherPaths);
            var runs = request.Runs;
            bool anyLeft = false;
            foreach (var run in runs)
            {
                if (!File.Exists(run.CheckpointPath))
                {
                    anyLeft = true;
                    continue;
                }
                var saved = TrainingCheckpoint.ReadState(run.CheckpointPath);
                Trainer.CheckTeacher(saved, fingerprint, run.CheckpointPath);
                // A finished fold or member is kept as it is (Finished); a single run has nothing to resume.
                if (runs.Count == 1) Trainer.CheckUnfinished(saved, request.Options, run.CheckpointPath);
                anyLeft |= !HasFinished(run, saved);
            }
            if (!anyLeft) return null;
        }
        return TeacherScoring.Score(request.TeacherPaths, data, request.Options, observer.OnNotice, cancel);
    }

    /// <summary>The run's settings in words, with the teacher it was distilled from.</summary>
    private static string Describe(TrainRequest request, TrainingOptions options, int fold = 0) =>
        options.Describe(request.Variant.Name, fold) + (request.TeacherPaths.Count > 0
            ? FormattableString.Invariant($", distilled from {string.Join(" + ", request.TeacherPaths.Select(Path.GetFileName))} (temperature {options.DistillTemperature:G4}, weight {options.DistillWeight:G4})")
            : "");

    private static TrainResult Train(TrainingSet data, TrainRequest request, TrainingRun run, TeacherTargets? teacher, ITrainingObserver observer, CancellationToken cancel)
    {
        var variant = request.Variant;
        int channels = data.Features.MelCount, classes = data.Classes.Count;
        using var outputLock = OutputLock.Acquire([request.SavePath]);
        var trainer = new Trainer(data, request.Options, () => variant.Create(channels, classes), request.CheckpointPath, run, teacher);
        // The history CSV follows the run epoch by epoch; a resumed run starts from the checkpoint's epochs.
        var epochs = request.Resume && File.Exists(request.CheckpointPath) ? TrainingCheckpoint.ReadState(request.CheckpointPath).History.ToList() : [];
        var outcome = trainer.Run(request.Resume, new HistoryCsvWriter(request, epochs, observer), cancel);
        TrainingHistoryCsv.Write(request.HistoryPath, outcome.History, request.Options);
        using var model = (TaggingModel)outcome.Model;
        var options = request.Options with { Seed = outcome.Seed };
        var history = new TrainingHistory(outcome.History, outcome.Seed, outcome.History.Sum(e => e.Seconds), request.Options.Bucket,
            Describe(request, options, run.Fold), DatasetClips: data.Count, KeptEpoch: outcome.KeptEpoch, StoppedEarly: outcome.StoppedEarly, Options: options, RecipeName: request.RecipeName,
            TrainedOn: outcome.TrainedOn);
        ModelFile.Save(request.SavePath, model, data.Classes, data.Features, history, request.Options.ScoringWindowFrames(data.Features), request.Options.WindowHopFrames(data.Features),
            request.Options.TtaBandShifts);
        int validationRows = outcome.ValidationRows?.Length ?? 0;
        string counts = validationRows > 0 ? $"trained on {outcome.TrainRows} clips, validated on {validationRows}" : $"trained on {outcome.TrainRows} clips";
        TrainingCurvesPlot.Save(request.PlotPath, history, $"{variant.Name}, {counts}");
        var held = outcome.ValidationScores is { } s && validationRows > 0 ? new HeldOutScores(outcome.ValidationRows!, s) : null;
        return new TrainResult(request.SavePath, request.PlotPath, request.CheckpointPath, history, model.ParameterCount(), data.Count, data.Classes,
            outcome.TrainRows, validationRows, held);
    }

    /// <summary>A fold or member whose model was saved and whose checkpoint says it ran all its epochs, or null.</summary>
    private static TrainResult? Finished(TrainRequest fold, TrainingRun run, TrainingSet data)
    {
        if (!File.Exists(fold.CheckpointPath)) return null;
        var state = TrainingCheckpoint.ReadState(fold.CheckpointPath);
        if (!HasFinished(fold, state)) return null;
        var (trainRows, validationRows) = StratifiedSplit.ForRun(fold.Options, run.Fold, data.Labels, data.Verified, state.Seed);
        // Its held-out scores were not kept: score them again with the saved model, as predict would.
        Torch.TorchRuntime.Initialise(fold.Options.Threads);
        using var loaded = ModelFile.Load(fold.SavePath);
        var device = Torch.ComputeDevice.Resolve(fold.Options.Device).Device;
        var scorer = Scoring.ClipScorer.For(loaded, fold.Options.BatchSize);
        scorer.Model.to(device);
        loaded.Model.eval();

        var scores = new List<float>();
        foreach (var chunk in validationRows.Chunk(64))
            foreach (var row in scorer.Score(chunk.Select(data.ReadClip).ToList(), device)) scores.AddRange(row);
        return new TrainResult(fold.SavePath, fold.PlotPath, fold.CheckpointPath, loaded.History, loaded.Model.ParameterCount(), data.Count, loaded.Classes,
            trainRows.Length, validationRows.Length, validationRows.Length > 0 ? new HeldOutScores(validationRows, scores.ToArray()) : null);
    }

    /// <summary>Whether a fold or member needs no more training: its model is saved and its checkpoint ran every
    /// epoch, or stopped early.</summary>
    private static bool HasFinished(TrainRequest run, CheckpointState saved) =>
        File.Exists(run.SavePath) && (saved.Epoch >= run.Options.Epochs || saved.StoppedEarly);

    /// <summary>
    /// Refuses <c>--resume</c> when no run of the request (itself, its folds or its members) left a checkpoint: nothing
    /// would be resumed. Checked before any data is read or a teacher scores a clip (minutes on a large set).
    /// </summary>
    /// <remarks>Without it, folds and members would start afresh (with new seeds unless --seed is given); and as an
    /// ensemble's member checkpoints are removed once the members are joined, a finished ensemble would be trained
    /// again over its file.</remarks>
    private static void CheckResumable(TrainRequest request)
    {
        var runs = request.Runs;
        if (!request.Resume || runs.Any(r => File.Exists(r.CheckpointPath))) return;
        if (runs.Count == 1) throw new InvalidModelException(TrainingCheckpoint.NotFound, request.CheckpointPath);
        bool folds = request.Options.Folds >= 2;
        if (!folds && File.Exists(request.SavePath))
            throw new InvalidModelException(
                $"this ensemble run has finished: its {runs.Count} members were joined into it and their checkpoints removed, so there is nothing to resume; " +
                "run without --resume to train it again", request.SavePath);
        throw new InvalidModelException($"{TrainingCheckpoint.NotFound}: none of the {runs.Count} {(folds ? "folds" : "members")} has one", runs[0].CheckpointPath);
    }

    /// <summary>The seed of a run's first fold or member, from its checkpoint.</summary>
    private static int? SavedSeed(TrainRequest first) =>
        File.Exists(first.CheckpointPath) ? TrainingCheckpoint.ReadState(first.CheckpointPath).Seed : null;

    /// <summary>Settings and save path checked before any data is opened, so a typo is reported first.</summary>
    private static void CheckRequest(TrainRequest request)
    {
        var problems = request.Options.Problems();
        if (problems.Count > 0) throw new InvalidSettingsException(problems, "training options");
        string? folder = Path.GetDirectoryName(Path.GetFullPath(request.SavePath));
        if (folder is null || !Directory.Exists(folder)) throw new InvalidInputException("folder for the model does not exist", folder ?? request.SavePath);
        if (Directory.Exists(request.SavePath)) throw new InvalidInputException("is a folder; give a file name for the model", request.SavePath);
        // An unusable --device (cuda on a machine without one) stops the run here, before anything is written.
        Torch.ComputeDevice.Resolve(request.Options.Device, announce: false);
        var runs = request.Runs;
        var outputs = runs.Append(request).Distinct().SelectMany(r => new[]
        {
            new RunFile("the model", r.SavePath), new RunFile("the checkpoint", r.CheckpointPath), new RunFile("the curves plot", r.PlotPath),
            new RunFile("the history CSV", r.HistoryPath),
            new RunFile("the per-class table", r.ReportPaths.TablePath), new RunFile("the per-class chart", r.ReportPaths.BarChartPath),
            new RunFile("the confusion matrix", r.ReportPaths.ConfusionPath),
        }).ToList();
        // Every file the run reads: the data, and a recipe file (a built-in recipe's name is no file).
        // With --resume the checkpoint is read and then replaced: that is the point, so it is not listed as an input.
        var inputs = request.DataDirs.Select(DatasetFiles.In)
            .SelectMany(f => new[] { new RunFile("samples.npy", f.SamplesPath), new RunFile("labels.npy", f.LabelsPath), new RunFile("dataset.json", f.DatasetPath) });
        if (request.RecipeName is { } recipe && !TrainingRecipe.BuiltIn.ContainsKey(recipe)) inputs = inputs.Append(new RunFile("recipe", recipe));
        inputs = inputs.Concat(request.TeacherPaths.Select(t => new RunFile("the teacher", t)));
        OutputGuard.Check(inputs, outputs);
        // A run killed while writing (kill -9) leaves its .NAME.PID.*.tmp files; those of dead processes go now.
        foreach (var beside in outputs.GroupBy(o => Path.GetDirectoryName(Path.GetFullPath(o.Path))!))
            StaleTempFiles.Remove(beside.Key, [.. beside.Select(o => Path.GetFileName(o.Path))]);
    }

    /// <summary>Passes everything on, writing the history CSV after each epoch first.</summary>
    private sealed class HistoryCsvWriter(TrainRequest request, List<EpochRecord> epochs, ITrainingObserver inner) : ITrainingObserver
    {
        public void OnRunStarting(int run, int runs) => inner.OnRunStarting(run, runs);

        public void OnResuming(int epoch, int step) => inner.OnResuming(epoch, step);

        public void OnProgress(TrainingProgress progress) => inner.OnProgress(progress);

        public void OnEpoch(EpochRecord epoch)
        {
            epochs.RemoveAll(x => x.Epoch >= epoch.Epoch);
            epochs.Add(epoch);
            TrainingHistoryCsv.Write(request.HistoryPath, epochs, request.Options);
            inner.OnEpoch(epoch);
        }
    }

    private static TrainingSet OpenData(TrainRequest request) => TrainingSet.Open(request.DataDirs.Select(DatasetFiles.In).ToList());
}
