using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using FreesoundTagging.Datasets;
using FreesoundTagging.Metrics;
using FreesoundTagging.Models;
using FreesoundTagging.Runtime;
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
    private readonly Func<nn.Module<Tensor, Tensor>> _createModel;
    private readonly string _checkpointPath;
    // The epoch the checkpoint on disk belongs to this run (resumed from or written), for the divergence message.
    private int? _checkpointEpoch;

    /// <summary>Seconds between reads of the running loss on a GPU (each read waits for the queued steps).</summary>
    private const double ReadIntervalSeconds = 0.5;

    public Trainer(TrainingSet data, TrainingOptions options, Func<nn.Module<Tensor, Tensor>> createModel, string checkpointPath)
    {
        var problems = options.Problems();
        if (problems.Count > 0) throw new InvalidSettingsException(problems, "training options");
        _data = data;
        _options = options;
        _createModel = createModel;
        _checkpointPath = checkpointPath;
    }

    /// <param name="resuming">Told the 1-based epoch and the step within it a resumed run continues at.</param>
    public TrainingOutcome Run(bool resume, IProgress<TrainingProgress>? progress = null, Action<EpochRecord>? epochDone = null, CancellationToken cancel = default,
        Action<int, int>? resuming = null)
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
        int memberSeed = TrainingOptions.MemberSeed(seed, _options.Member);
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
        // each other's draws and a seed gives the same masks on any device. Shuffles, crops, mixup and SpecAugment
        // are drawn on the host from the seed (BatchPlan, BatchAugmenter); initial weights above, on the CPU.
        using var dropoutGenerator = new Generator((ulong)memberSeed);
        (model as TaggingModel)?.UseDropoutGenerator(dropoutGenerator);
        using var optimizer = new AdamOptimizer(model.parameters(), _options.LearningRate, 0.9, 0.999, _options.AdamEpsilon);
        byte[]? bestWeights = null;
        if (saved is not null)
        {
            TrainingCheckpoint.Load(_checkpointPath, model, optimizer);
            bestWeights = TrainingCheckpoint.ReadBestWeights(_checkpointPath);
            if (average is not null)
                average.Load(TrainingCheckpoint.ReadAverageWeights(_checkpointPath)
                    ?? throw new InvalidModelException("checkpoint holds no weight average (--ema); resume with the settings it was made with", _checkpointPath));
            resuming?.Invoke(saved.Epoch + 1, saved.Step);
        }
        // What is validated, kept and saved: the weight average when there is one.
        var network = average?.Network ?? model;
        _checkpointEpoch = saved?.Epoch;

        var (trainRows, validationRows) = StratifiedSplit.ForRun(_options, _data.Labels, _data.Verified, seed);
        if (trainRows.Length == 0) throw new InvalidInputException("no rows left to train on");
        var history = new List<EpochRecord>(saved?.History ?? []);
        var clock = Stopwatch.StartNew();
        int maxFrames = _data.Features.MaxFrames;
        int? cropFrames = _options.CropFrames(_data.Features);

        var assembler = new BatchAssembler(_data, _options.BatchSize, cropFrames ?? maxFrames, Augmentation.Of(_options), BatchForward.TrimsPadding(model));
        bool keepBest = _options.Keep == KeepEpoch.Best;
        int bestEpoch = BestEpoch(history);
        float[]? keptScores = null;
        bool stoppedEarly = false;
        for (int epoch = saved?.Epoch ?? 0; epoch < _options.Epochs; epoch++)
        {
            var batches = BatchPlan.ForEpoch(trainRows, _data.Frames, _options.BatchSize, maxFrames, _options.Bucket, memberSeed, epoch, cropFrames);
            bool continuing = saved is not null && saved.Epoch == epoch;
            int firstStep = continuing ? saved!.Step : 0;
            double priorSeconds = continuing ? saved!.EpochSeconds : 0;
            using var totals = new StepTotals(device, continuing ? saved!.LossSum : 0, continuing ? saved!.Correct : 0, continuing ? saved!.Seen : 0);
            double lossSum = continuing ? saved!.LossSum : 0;
            long correct = continuing ? saved!.Correct : 0;
            saved = null;
            var epochClock = Stopwatch.StartNew();
            // On the CPU the totals are read after every step (a read costs nothing there, and a NaN is caught before
            // it reaches the weights); on a GPU a read waits for the queued steps, so it comes with the progress
            // updates, a few times a second, and before every checkpoint.
            var readClock = Stopwatch.StartNew();
            model.train();
            Task<AssembledBatch>? next = firstStep < batches.Count ? assembler.StartAsync(batches[firstStep]) : null;
            for (int step = firstStep; step < batches.Count; step++)
            {
                AssembledBatch batch = next!.Result;
                next = step + 1 < batches.Count ? assembler.StartAsync(batches[step + 1]) : null;
                // Reseeding the run's generator per step makes each step's masks a function of (seed, epoch, step)
                // alone, so a resumed run draws the same masks as an uninterrupted one.
                long stepSeed = unchecked(memberSeed * 1_000_003L + epoch * 100_003L + step);
                dropoutGenerator.manual_seed(stepSeed);
                // Every epoch has the same number of batches, so (epoch, step) places the step on the whole run's curve.
                long runStep = (long)epoch * batches.Count + step;
                optimizer.LearningRate = LearningRateSchedule.At(_options.Schedule, _options.LearningRate, runStep, (long)_options.Epochs * batches.Count);
                bool read = device.type == DeviceType.CPU || step + 1 == batches.Count || cancel.IsCancellationRequested || readClock.Elapsed.TotalSeconds >= ReadIntervalSeconds;
                using (var scope = NewDisposeScope())
                {
                    var y = batch.Targets(device);
                    var logits = BatchForward.Logits(model, batch, device);
                    var loss = SoftTargetCrossEntropy.Compute(logits, y, batch.Weights(device));
                    totals.Add(loss, logits, y, batch.Count);
                    if (read)
                    {
                        (lossSum, correct) = totals.Read();
                        readClock.Restart();
                        // Checked before the step: a NaN or infinite loss would poison the weights, and every
                        // checkpoint after it. The last good checkpoint on disk is left as it is. (On a GPU the sum
                        // carries a NaN of any step since the last read to this one, before any checkpoint.)
                        if (!double.IsFinite(lossSum))
                        {
                            next?.Wait();
                            throw Diverged(loss.item<float>(), epoch, step, batches.Count);
                        }
                    }
                    optimizer.ZeroGrad();
                    loss.backward();
                    optimizer.Step();
                    average?.Update(runStep);
                }
                assembler.Release(batch);
                double seconds = epochClock.Elapsed.TotalSeconds;
                long seen = totals.Seen;
                if (read)
                    progress?.Report(new TrainingProgress(epoch + 1, _options.Epochs, step + 1, batches.Count, lossSum / seen, correct / (double)seen, (step + 1 - firstStep) / Math.Max(seconds, 1e-9)));
                if (cancel.IsCancellationRequested)
                {
                    next?.Wait();
                    if (!read) (lossSum, correct) = totals.Read();
                    // Never a checkpoint of weights a non-finite loss has reached.
                    if (!double.IsFinite(lossSum)) throw Diverged((float)(lossSum / Math.Max(seen, 1)), epoch, step, batches.Count);
                    SaveCheckpoint(model, optimizer, seed, fingerprint, history, epoch, step + 1, lossSum, correct, seen, priorSeconds + seconds, bestWeights, average);
                    throw new OperationCanceledException(cancel);
                }
            }
            (lossSum, correct) = totals.Read();
            if (!double.IsFinite(lossSum)) throw Diverged((float)(lossSum / Math.Max(totals.Seen, 1)), epoch, batches.Count - 1, batches.Count);
            long seenRows = totals.Seen;
            double trainLoss = lossSum / Math.Max(seenRows, 1), trainAccuracy = correct / (double)Math.Max(seenRows, 1);
            Evaluation? validation = validationRows.Length > 0 ? Evaluate(network, device, validationRows) : null;
            var record = new EpochRecord(epoch + 1, trainLoss, trainAccuracy, validation?.Loss, validation?.Accuracy, validation?.Map3, priorSeconds + epochClock.Elapsed.TotalSeconds);
            history.Add(record);
            bool improved = BestEpoch(history) == record.Epoch;
            if (improved)
            {
                bestEpoch = record.Epoch;
                if (keepBest) bestWeights = ModuleBytes.Of(network);
            }
            if (validation is not null && (improved || !keepBest)) keptScores = validation.Scores;
            // Early stopping counts epochs since the best one, so a resumed run stops where an uninterrupted one would.
            stoppedEarly = _options.Patience > 0 && bestEpoch > 0 && record.Epoch - bestEpoch >= _options.Patience && record.Epoch < _options.Epochs;
            SaveCheckpoint(model, optimizer, seed, fingerprint, history, epoch + 1, 0, 0, 0, 0, 0, bestWeights, average, stoppedEarly);
            epochDone?.Invoke(record);
            if (stoppedEarly) break;
        }
        int keptEpoch = history.Count == 0 ? 0 : history[^1].Epoch;
        if (keepBest && bestEpoch > 0 && bestEpoch != keptEpoch && bestWeights is not null)
        {
            ModuleBytes.Load(network, bestWeights);
            keptEpoch = bestEpoch;
        }
        // Scores of an epoch run before a resume are not in memory: score the kept weights again.
        if (keptScores is null && validationRows.Length > 0) keptScores = Evaluate(network, device, validationRows).Scores;
        network.eval();
        // The generator is disposed with this run; the network that outlives it draws from the global one again.
        (model as TaggingModel)?.UseDropoutGenerator(null);
        return new TrainingOutcome(network, history, seed, clock.Elapsed, keptEpoch, stoppedEarly, trainRows.Length, validationRows, keptScores, compute.Description);
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

    private void SaveCheckpoint(nn.Module model, AdamOptimizer optimizer, int seed, string fingerprint, List<EpochRecord> history,
        int epoch, int step, double lossSum, long correct, long seen, double seconds, byte[]? bestWeights, WeightAverage? average, bool stoppedEarly = false)
    {
        TrainingCheckpoint.Save(_checkpointPath, new CheckpointState
        {
            Options = _options,
            Seed = seed,
            Epoch = epoch,
            Step = step,
            LossSum = lossSum,
            Correct = correct,
            Seen = seen,
            EpochSeconds = seconds,
            History = history.ToList(),
            DataFingerprint = fingerprint,
            StoppedEarly = stoppedEarly,
        }, model, optimizer, bestWeights, average?.Save());
        _checkpointEpoch = epoch;
    }

    private void CheckResumable(CheckpointState saved, string fingerprint)
    {
        if (saved.DataFingerprint != fingerprint)
            throw new InvalidModelException("checkpoint was made on other data (rows or classes differ); start without --resume", _checkpointPath);
        var o = saved.Options;
        // Epochs may grow, and threads and device may change; everything else shapes the run and must match.
        if (o with { Epochs = 0, Threads = 1, Device = "", Seed = null } != _options with { Epochs = 0, Threads = 1, Device = "", Seed = null })
            throw new InvalidModelException($"checkpoint was made with other settings (variant {o.Variant}, batch {o.BatchSize}, validation {o.ValidationFraction}, bucket {o.Bucket}, crop {o.CropSeconds?.ToString() ?? "none"}, fold {o.Fold + 1}/{o.Folds}); resume with the same ones", _checkpointPath);
        if (saved.StoppedEarly)
            throw new InvalidModelException($"checkpoint's run already stopped early at epoch {saved.Epoch} (--patience {o.Patience}); start without --resume to train again", _checkpointPath);
        if (saved.Epoch >= _options.Epochs)
            throw new InvalidModelException($"checkpoint has already finished {saved.Epoch} of {_options.Epochs} epochs; raise --epochs to train further", _checkpointPath);
    }

    private string DataFingerprint()
    {
        var text = new StringBuilder();
        text.AppendJoin(',', _data.Classes).Append('|').Append(_data.Count).Append('|');
        for (int i = 0; i < _data.Count; i++) text.Append(_data.Fnames[i]).Append(':').Append(_data.Labels[i]).Append(';');
        return Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..16];
    }
}
