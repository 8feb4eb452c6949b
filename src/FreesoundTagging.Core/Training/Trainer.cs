using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using FreesoundTagging.Datasets;
using FreesoundTagging.Metrics;
using FreesoundTagging.Models;
using FreesoundTagging.Recipes;
using FreesoundTagging.Runtime;
using FreesoundTagging.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FreesoundTagging.Training;

/// <summary>The trained network and how it got there.</summary>
/// <param name="KeptEpoch">1-based epoch whose weights <see cref="Model"/> holds (the last, or the best with --keep best).</param>
/// <param name="StoppedEarly">The run ended before its last epoch because validation MAP@3 stopped rising (--patience).</param>
/// <param name="TrainRows">Rows trained on.</param>
/// <param name="ValidationRows">Rows held out (empty without validation).</param>
/// <param name="ValidationScores">The kept model's probabilities on <see cref="ValidationRows"/>, row-major (rows × classes).</param>
/// <param name="TrainedOn">The device and libtorch build that trained it (<see cref="ComputeDevice.Description"/>).</param>
public sealed record TrainingOutcome(nn.Module<Tensor, Tensor> Model, IReadOnlyList<EpochRecord> History, int Seed, TimeSpan Elapsed,
    int KeptEpoch = 0, bool StoppedEarly = false, int TrainRows = 0, int[]? ValidationRows = null, float[]? ValidationScores = null, string? TrainedOn = null);

/// <summary>
/// Trains a classifier on a <see cref="TrainingSet"/> with Adam and soft-target cross-entropy. Batches are
/// assembled from the memory-mapped arrays on a background task while the previous step runs; each step runs
/// in its own dispose scope. A checkpoint is written after every epoch and when cancelled mid-epoch, and
/// <c>resume</c> continues from it at the same step with the same optimizer state.
/// </summary>
public sealed class Trainer
{
    // Owned by the caller, who disposes it after training.
    [NumSharp.NDBorrowed]
    private readonly TrainingSet _data;
    private readonly TrainingOptions _options;
    private readonly TrainingRun _run;
    private readonly Func<nn.Module<Tensor, Tensor>> _createModel;
    private readonly string _checkpointPath;
    private readonly TeacherTargets? _teacher;
    // The epoch the checkpoint on disk belongs to this run (resumed from or written), for the divergence message.
    private int? _checkpointEpoch;

    /// <summary>Seconds between reads of the running loss on a GPU (each read waits for the queued steps).</summary>
    private const double ReadIntervalSeconds = 0.5;

    /// <param name="run">Which run this is (variant, fold, member); a single run of an unnamed network by default.</param>
    /// <param name="teacher">Distil from these targets (one row per row of <paramref name="data"/>), weighted and softened
    /// as <paramref name="options"/> say; null: train on the labels alone.</param>
    public Trainer(TrainingSet data, TrainingOptions options, Func<nn.Module<Tensor, Tensor>> createModel, string checkpointPath, TrainingRun? run = null,
        TeacherTargets? teacher = null)
    {
        if (teacher is not null && (teacher.Classes != data.Classes.Count || teacher.Probabilities.Length != data.Count * teacher.Classes))
            throw new ArgumentException($"teacher targets for {teacher.Probabilities.Length / Math.Max(teacher.Classes, 1)} rows of {teacher.Classes} classes, data of {data.Count} rows of {data.Classes.Count}", nameof(teacher));
        if (teacher is not null && teacher.Temperature != options.DistillTemperature)
            throw new ArgumentException($"teacher targets softened at T = {teacher.Temperature}, options say {options.DistillTemperature}", nameof(teacher));
        run ??= new TrainingRun("");
        var problems = options.Problems().Concat(run.Problems(options)).ToList();
        if (problems.Count > 0) throw new InvalidSettingsException(problems, "training options");
        _data = data;
        _options = options;
        _run = run;
        _createModel = createModel;
        _checkpointPath = checkpointPath;
        _teacher = teacher;
    }

    /// <summary>Trains every epoch left (all of them, or those after the checkpoint's with <paramref name="resume"/>),
    /// telling <paramref name="observer"/> of each step and epoch.</summary>
    public TrainingOutcome Run(bool resume, ITrainingObserver? observer = null, CancellationToken cancel = default)
    {
        observer ??= TrainingObserver.None;
        using var run = Start(resume, observer);
        for (int epoch = run.Saved?.Epoch ?? 0; epoch < _options.Epochs; epoch++)
        {
            var (record, scores) = RunEpoch(run, epoch, observer, cancel);
            Keep(run, record, scores);
            SaveCheckpoint(run, new EpochPosition(epoch + 1));
            observer.OnEpoch(record);
            if (run.StoppedEarly) break;
        }
        return Finish(run);
    }

    /// <summary>Everything a run carries from epoch to epoch.</summary>
    private sealed class RunState : IDisposable
    {
        public required ComputeDevice Compute { get; init; }
        public Device Device => Compute.Device;
        public required int Seed { get; init; }
        /// <summary>Seeds everything random about the network (the split is drawn from <see cref="Seed"/>).</summary>
        public required int MemberSeed { get; init; }
        public required string Fingerprint { get; init; }
        public required nn.Module<Tensor, Tensor> Model { get; init; }
        public required WeightAverage? Average { get; init; }
        public required Generator DropoutGenerator { get; init; }
        public required AdamOptimizer Optimizer { get; init; }
        public required int[] TrainRows { get; init; }
        public required int[] ValidationRows { get; init; }
        public required BatchAssembler Assembler { get; init; }
        public required int? CropFrames { get; init; }
        public required List<EpochRecord> History { get; init; }
        public Stopwatch Clock { get; } = Stopwatch.StartNew();
        /// <summary>Where a resumed run continues; cleared once its epoch has started.</summary>
        public CheckpointState? Saved { get; set; }
        public byte[]? BestWeights { get; set; }
        public int BestEpoch { get; set; }
        public float[]? KeptScores { get; set; }
        public bool StoppedEarly { get; set; }

        /// <summary>What is validated, kept and saved: the weight average when there is one.</summary>
        public nn.Module<Tensor, Tensor> Network => Average?.Network ?? Model;

        public void Dispose()
        {
            Optimizer.Dispose();
            DropoutGenerator.Dispose();
        }
    }

    /// <summary>Where an epoch stands between steps.</summary>
    private sealed class EpochState(int epoch, IReadOnlyList<Batch> batches, int firstStep, double priorSeconds, StepTotals totals) : IDisposable
    {
        public int Epoch { get; } = epoch;
        public IReadOnlyList<Batch> Batches { get; } = batches;
        public int FirstStep { get; } = firstStep;
        /// <summary>Seconds an earlier process spent on this epoch before it was resumed.</summary>
        public double PriorSeconds { get; } = priorSeconds;
        public StepTotals Totals { get; } = totals;
        public double LossSum { get; set; }
        public long Correct { get; set; }
        public Stopwatch Clock { get; } = Stopwatch.StartNew();
        // On the CPU the totals are read after every step (a read costs nothing there, and a NaN is caught before
        // it reaches the weights); on a GPU a read waits for the queued steps, so it comes with the progress
        // updates, a few times a second, and before every checkpoint.
        public Stopwatch ReadClock { get; } = Stopwatch.StartNew();
        /// <summary>The next step's batch, assembled on a background task while this step runs.</summary>
        public Task<AssembledBatch>? Next { get; set; }

        public void Dispose() => Totals.Dispose();
    }

    /// <summary>Where a checkpoint stands: after <see cref="Epoch"/> epochs and <see cref="Step"/> steps of the next,
    /// with that epoch's running sums.</summary>
    private sealed record EpochPosition(int Epoch, int Step = 0, double LossSum = 0, long Correct = 0, long Seen = 0, double Seconds = 0);

    /// <summary>The network, its optimizer and the rows, fresh or as the checkpoint left them.</summary>
    private RunState Start(bool resume, ITrainingObserver observer)
    {
        TorchRuntime.Initialise(_options.Threads);
        var compute = ComputeDevice.Resolve(_options.Device);
        Device device = compute.Device;
        CheckpointState? saved = resume ? TrainingCheckpoint.ReadState(_checkpointPath) : null;
        string fingerprint = DataFingerprint();
        if (saved is not null) CheckResumable(saved, fingerprint);
        int seed = saved?.Seed ?? _options.Seed ?? Random.Shared.Next();
        // The split is drawn from the run's seed, everything random about the network from the member's: every
        // member of an ensemble is validated on the same rows.
        int memberSeed = TrainingRun.MemberSeed(seed, _run.Member);
        nn.Module<Tensor, Tensor> model;
        WeightAverage? average;
        // Initialisation draws from libtorch's global generator; members trained at the same time take turns.
        lock (TorchRuntime.GlobalGeneratorGate)
        {
            torch.manual_seed(memberSeed);
            model = _createModel();
            model.to(device);
            // Built after the trained network, so the trained network's initial weights do not depend on --ema.
            average = _options.EmaDecay > 0 ? new WeightAverage(model, _createModel().to(device), _options.EmaDecay) : null;
        }
        // Dropout masks come from this run's own generator on the CPU whatever the device (the same masks as the
        // global one reseeded alike, copied to a GPU: see SeededDropout), so runs in parallel threads do not disturb
        // each other's draws and a seed gives the same masks on any device. Shuffles, crops, degradations, mixup and
        // SpecAugment are drawn on the host from the seed (BatchPlan, BatchAugmenter); initial weights above, on the CPU.
        var dropoutGenerator = new Generator((ulong)memberSeed);
        (model as TaggingModel)?.UseDropoutGenerator(dropoutGenerator);
        var optimizer = new AdamOptimizer(model.parameters(), _options.LearningRate, 0.9, 0.999, _options.AdamEpsilon);
        byte[]? bestWeights = null;
        if (saved is not null)
        {
            TrainingCheckpoint.Load(_checkpointPath, model, optimizer);
            bestWeights = TrainingCheckpoint.ReadBestWeights(_checkpointPath);
            if (average is not null)
                average.Load(TrainingCheckpoint.ReadAverageWeights(_checkpointPath)
                    ?? throw new InvalidModelException("checkpoint holds no weight average (--ema); resume with the settings it was made with", _checkpointPath));
            observer.OnResuming(saved.Epoch + 1, saved.Step);
        }
        _checkpointEpoch = saved?.Epoch;

        var (trainRows, validationRows) = StratifiedSplit.ForRun(_options, _run.Fold, _data.Labels, _data.Verified, seed);
        if (trainRows.Length == 0) throw new InvalidInputException("no rows left to train on");
        int? cropFrames = _options.CropFrames(_data.Features);
        var history = new List<EpochRecord>(saved?.History ?? []);
        return new RunState
        {
            Compute = compute, Seed = seed, MemberSeed = memberSeed, Fingerprint = fingerprint,
            Model = model, Average = average, DropoutGenerator = dropoutGenerator, Optimizer = optimizer,
            TrainRows = trainRows, ValidationRows = validationRows, CropFrames = cropFrames, History = history,
            Assembler = new BatchAssembler(_data, _options.BatchSize, cropFrames ?? _data.Features.MaxFrames, Augmentation.Of(_options), BatchForward.TrimsPadding(model), _teacher),
            Saved = saved, BestWeights = bestWeights, BestEpoch = BestEpoch(history),
        };
    }

    /// <summary>One pass over the training rows (the rest of it, for the epoch a checkpoint was cut in), then
    /// validation: the epoch's record and its validation scores (null without validation).</summary>
    private (EpochRecord Record, float[]? Scores) RunEpoch(RunState run, int epoch, ITrainingObserver observer, CancellationToken cancel)
    {
        var batches = BatchPlan.ForEpoch(run.TrainRows, _data.Frames, _options.BatchSize, _data.Features.MaxFrames, _options.Bucket, run.MemberSeed, epoch, run.CropFrames);
        var saved = run.Saved is { } s && s.Epoch == epoch ? s : null;
        run.Saved = null;
        using var state = new EpochState(epoch, batches, saved?.Step ?? 0, saved?.EpochSeconds ?? 0,
            new StepTotals(run.Device, saved?.LossSum ?? 0, saved?.Correct ?? 0, saved?.Seen ?? 0))
        {
            LossSum = saved?.LossSum ?? 0,
            Correct = saved?.Correct ?? 0,
        };
        run.Model.train();
        state.Next = state.FirstStep < batches.Count ? run.Assembler.StartAsync(batches[state.FirstStep]) : null;
        for (int step = state.FirstStep; step < batches.Count; step++)
            RunStep(run, state, step, observer, cancel);

        (state.LossSum, state.Correct) = state.Totals.Read();
        if (!double.IsFinite(state.LossSum)) throw Diverged((float)(state.LossSum / Math.Max(state.Totals.Seen, 1)), epoch, batches.Count - 1, batches.Count);
        long seenRows = state.Totals.Seen;
        double trainLoss = state.LossSum / Math.Max(seenRows, 1), trainAccuracy = state.Correct / (double)Math.Max(seenRows, 1);
        Evaluation? validation = run.ValidationRows.Length > 0 ? Evaluate(run.Network, run.Device, run.ValidationRows) : null;
        return (new EpochRecord(epoch + 1, trainLoss, trainAccuracy, validation?.Loss, validation?.Accuracy, validation?.Map3, state.PriorSeconds + state.Clock.Elapsed.TotalSeconds),
            validation?.Scores);
    }

    /// <summary>One optimizer step on batch <paramref name="step"/>; a cancelled run saves a checkpoint here and stops.</summary>
    private void RunStep(RunState run, EpochState state, int step, ITrainingObserver observer, CancellationToken cancel)
    {
        int epoch = state.Epoch, steps = state.Batches.Count;
        AssembledBatch batch = state.Next!.Result;
        state.Next = step + 1 < steps ? run.Assembler.StartAsync(state.Batches[step + 1]) : null;
        // Reseeding the run's generator per step makes each step's masks a function of (seed, epoch, step)
        // alone, so a resumed run draws the same masks as an uninterrupted one.
        long stepSeed = unchecked(run.MemberSeed * 1_000_003L + epoch * 100_003L + step);
        run.DropoutGenerator.manual_seed(stepSeed);
        // Every epoch has the same number of batches, so (epoch, step) places the step on the whole run's curve.
        long runStep = (long)epoch * steps + step;
        run.Optimizer.LearningRate = _options.Schedule.RateAt(_options.LearningRate, runStep, (long)_options.Epochs * steps);
        bool read = run.Device.type == DeviceType.CPU || step + 1 == steps || cancel.IsCancellationRequested || state.ReadClock.Elapsed.TotalSeconds >= ReadIntervalSeconds;
        using (var scope = NewDisposeScope())
        {
            var y = batch.Targets(run.Device);
            var logits = BatchForward.Logits(run.Model, batch, run.Device);
            var loss = batch.TeacherTargets(run.Device) is { } teacher
                ? DistillationLoss.Compute(logits, y, teacher, batch.Weights(run.Device), _options.DistillTemperature, _options.DistillWeight)
                : SoftTargetCrossEntropy.Compute(logits, y, batch.Weights(run.Device));
            state.Totals.Add(loss, logits, y, batch.Count);
            if (read)
            {
                (state.LossSum, state.Correct) = state.Totals.Read();
                state.ReadClock.Restart();
                // Checked before the step: a NaN or infinite loss would poison the weights, and every
                // checkpoint after it. The last good checkpoint on disk is left as it is. (On a GPU the sum
                // carries a NaN of any step since the last read to this one, before any checkpoint.)
                if (!double.IsFinite(state.LossSum))
                {
                    state.Next?.Wait();
                    throw Diverged(loss.item<float>(), epoch, step, steps);
                }
            }
            run.Optimizer.ZeroGrad();
            loss.backward();
            run.Optimizer.Step();
            run.Average?.Update(runStep);
        }
        run.Assembler.Release(batch);
        double seconds = state.Clock.Elapsed.TotalSeconds;
        long seen = state.Totals.Seen;
        if (read)
            observer.OnProgress(new TrainingProgress(epoch + 1, _options.Epochs, step + 1, steps, state.LossSum / seen, state.Correct / (double)seen, (step + 1 - state.FirstStep) / Math.Max(seconds, 1e-9)));
        if (cancel.IsCancellationRequested)
        {
            state.Next?.Wait();
            if (!read) (state.LossSum, state.Correct) = state.Totals.Read();
            // Never a checkpoint of weights a non-finite loss has reached.
            if (!double.IsFinite(state.LossSum)) throw Diverged((float)(state.LossSum / Math.Max(seen, 1)), epoch, step, steps);
            SaveCheckpoint(run, new EpochPosition(epoch, step + 1, state.LossSum, state.Correct, seen, state.PriorSeconds + seconds));
            throw new OperationCanceledException(cancel);
        }
    }

    /// <summary>Adds the epoch to the history, keeps its weights and scores if they are the ones to keep, and decides
    /// whether the run stops early.</summary>
    private void Keep(RunState run, EpochRecord record, float[]? validationScores)
    {
        bool keepBest = _options.Keep == KeepEpoch.Best;
        run.History.Add(record);
        bool improved = BestEpoch(run.History) == record.Epoch;
        if (improved)
        {
            run.BestEpoch = record.Epoch;
            if (keepBest) run.BestWeights = ModuleBytes.Of(run.Network);
        }
        if (validationScores is not null && (improved || !keepBest)) run.KeptScores = validationScores;
        // Early stopping counts epochs since the best one, so a resumed run stops where an uninterrupted one would.
        run.StoppedEarly = _options.Patience > 0 && run.BestEpoch > 0 && record.Epoch - run.BestEpoch >= _options.Patience && record.Epoch < _options.Epochs;
    }

    /// <summary>The kept weights in the network, its validation scores, and the outcome.</summary>
    private TrainingOutcome Finish(RunState run)
    {
        var history = run.History;
        int keptEpoch = history.Count == 0 ? 0 : history[^1].Epoch;
        if (_options.Keep == KeepEpoch.Best && run.BestEpoch > 0 && run.BestEpoch != keptEpoch && run.BestWeights is not null)
        {
            ModuleBytes.Load(run.Network, run.BestWeights);
            keptEpoch = run.BestEpoch;
        }
        // Scores of an epoch run before a resume are not in memory: score the kept weights again.
        if (run.KeptScores is null && run.ValidationRows.Length > 0) run.KeptScores = Evaluate(run.Network, run.Device, run.ValidationRows).Scores;
        run.Network.eval();
        // The generator is disposed with this run; the network that outlives it draws from the global one again.
        (run.Model as TaggingModel)?.UseDropoutGenerator(null);
        return new TrainingOutcome(run.Network, history, run.Seed, run.Clock.Elapsed, keptEpoch, run.StoppedEarly, run.TrainRows.Length, run.ValidationRows, run.KeptScores,
            run.Compute.Description);
    }

    /// <summary>1-based epoch with the highest validation MAP@3 (the first of equals), 0 without validation.</summary>
    public static int BestEpoch(IReadOnlyList<EpochRecord> history)
    {
        int best = 0;
        double bestMap = double.NegativeInfinity;
        foreach (var e in history)
        {
            if (e.MeanAveragePrecisionAt3 is { } map && map > bestMap)
            {
                bestMap = map;
                best = e.Epoch;
            }
        }
        return best;
    }

    private sealed record Evaluation(double Loss, double Accuracy, double Map3, float[] Scores);

    /// <summary>Loss, accuracy and MAP@3 on <paramref name="rows"/>, each clip scored as predict will score it
    /// (<see cref="Scoring.ClipScorer"/>: whole, or averaged over sliding windows for crop training).</summary>
    private Evaluation Evaluate(nn.Module<Tensor, Tensor> model, Device device, int[] rows)
    {
        model.eval();
        int classes = _data.Classes.Count;
        var scorer = new Scoring.ClipScorer(model, _data.Features, _options.ScoringWindowFrames(_data.Features), _options.Bucket, _options.BatchSize, _options.WindowHopFrames(_data.Features),
            _options.TtaBandShifts);
        var scores = new float[rows.Length * classes];
        var truth = rows.Select(r => _data.Labels[r]).ToList();
        double lossSum = 0;
        // A chunk at a time: the clips are read whole from the memory map.
        for (int start = 0; start < rows.Length; start += 64)
        {
            var chunk = rows[start..Math.Min(start + 64, rows.Length)];
            var probabilities = scorer.Score(chunk.Select(_data.ReadClip).ToList(), device);
            for (int i = 0; i < chunk.Length; i++)
            {
                probabilities[i].CopyTo(scores, (start + i) * classes);
                lossSum -= Math.Log(Math.Max(probabilities[i][truth[start + i]], 1e-12));
            }
        }
        model.train();
        return new Evaluation(lossSum / rows.Length, RankingMetrics.Accuracy(scores, classes, truth), RankingMetrics.MeanAveragePrecisionAt3(scores, classes, truth), scores);
    }

    private InvalidInputException Diverged(float loss, int epoch, int step, int steps)
    {
        string kept = _checkpointEpoch is { } saved
            ? $"the last good checkpoint {_checkpointPath} (after epoch {saved}) is kept"
            : "no checkpoint had been written yet";
        return new InvalidInputException(
            $"training diverged: the loss became {loss} at epoch {epoch + 1}, step {step + 1} of {steps}; {kept}. Lower --lr, or check samples.npy and labels.npy for NaN or infinite values");
    }

    private void SaveCheckpoint(RunState run, EpochPosition position)
    {
        TrainingCheckpoint.Save(_checkpointPath, new CheckpointState
        {
            Options = _options,
            Run = _run,
            Seed = run.Seed,
            Epoch = position.Epoch,
            Step = position.Step,
            LossSum = position.LossSum,
            Correct = position.Correct,
            Seen = position.Seen,
            EpochSeconds = position.Seconds,
            History = run.History.ToList(),
            DataFingerprint = run.Fingerprint,
            TeacherFingerprint = _teacher?.Fingerprint,
            StoppedEarly = run.StoppedEarly,
        }, run.Model, run.Optimizer, run.BestWeights, run.Average?.Save());
        _checkpointEpoch = position.Epoch;
    }

    private void CheckResumable(CheckpointState saved, string fingerprint)
    {
        if (saved.DataFingerprint != fingerprint)
            throw new InvalidModelException("checkpoint was made on other data (rows or classes differ); start without --resume", _checkpointPath);
        CheckTeacher(saved, _teacher?.Fingerprint, _checkpointPath);
        var o = saved.Options;
        var run = saved.Run ?? _run;
        // Epochs may grow, and threads and device may change; everything else shapes the run and must match.
        if (o with { Epochs = 0, Threads = 1, Device = "", Seed = null } != _options with { Epochs = 0, Threads = 1, Device = "", Seed = null } || run != _run)
            throw new InvalidModelException($"checkpoint was made with other settings (variant {run.Variant}, batch {o.BatchSize}, validation {o.ValidationFraction}, bucket {o.Bucket}, crop {o.CropSeconds?.ToString() ?? "none"}, fold {run.Fold + 1}/{o.Folds}); resume with the same ones", _checkpointPath);
        CheckUnfinished(saved, _options, _checkpointPath);
    }

    /// <summary>Refuses a checkpoint made with other teacher files than those <paramref name="teacherFingerprint"/>
    /// identifies, with a teacher where there is none, or with none where there is one.</summary>
    internal static void CheckTeacher(CheckpointState saved, string? teacherFingerprint, string checkpointPath)
    {
        if (saved.TeacherFingerprint != teacherFingerprint)
            throw new InvalidModelException(saved.TeacherFingerprint is null ? "checkpoint was made without a teacher; resume without --teacher"
                : teacherFingerprint is null ? "checkpoint was made distilling from a teacher; resume with the same --teacher"
                : "checkpoint was made with another teacher (its file differs); resume with the same --teacher", checkpointPath);
    }

    /// <summary>Refuses a checkpoint whose run has nothing left to train under <paramref name="options"/>.</summary>
    internal static void CheckUnfinished(CheckpointState saved, TrainingOptions options, string checkpointPath)
    {
        if (saved.StoppedEarly)
            throw new InvalidModelException($"checkpoint's run already stopped early at epoch {saved.Epoch} (--patience {saved.Options.Patience}); start without --resume to train again", checkpointPath);
        if (saved.Epoch >= options.Epochs)
            throw new InvalidModelException($"checkpoint has already finished {saved.Epoch} of {options.Epochs} epochs; raise --epochs to train further", checkpointPath);
    }

    private string DataFingerprint()
    {
        var text = new StringBuilder();
        text.AppendJoin(',', _data.Classes).Append('|').Append(_data.Count).Append('|');
        for (int i = 0; i < _data.Count; i++) text.Append(_data.Fnames[i]).Append(':').Append(_data.Labels[i]).Append(';');
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }
}
