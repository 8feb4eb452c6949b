using System.Diagnostics;
using FreesoundTagging.Features;
using FreesoundTagging.Models;
using FreesoundTagging.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace FreesoundTagging.Inference;

/// <summary>
/// Scores audio files with one trained network or an ensemble of them: features are extracted once, with the
/// settings the models were trained with, on all cores; then each model scores every clip the way it was trained
/// (<see cref="ClipScorer"/>) and the models' probabilities are averaged (<see cref="EnsembleAverage"/>).
/// </summary>
public sealed class Predictor
{
    /// <summary>Clips per forward pass. Measured on corpus-dev's test clips: 16 ran at 77 clips/s in 454 MB, 64 at
    /// 60 clips/s in 1 GB - smaller activations stay in cache and are not faulted in afresh.</summary>
    public const int DefaultBatchSize = 16;

    private readonly IReadOnlyList<ClipScorer> _scorers;
    private readonly FeatureConfig _features;
    private readonly int _threads;
    private readonly string _device;
    private readonly EnsembleMean _mean;

    /// <summary>One network (the original's predict).</summary>
    public Predictor(TaggingModel model, FeatureConfig features, int batchSize = DefaultBatchSize, int threads = 0, string device = "auto", bool lengthBucketed = false, int? windowFrames = null)
        : this([new ClipScorer(model, features, windowFrames, lengthBucketed, batchSize)], features, threads, device, EnsembleMean.Arithmetic) { }

    /// <summary>Several networks trained on the same features, their probabilities averaged by <paramref name="mean"/>.</summary>
    public Predictor(IReadOnlyList<ClipScorer> scorers, FeatureConfig features, int threads, string device, EnsembleMean mean)
    {
        if (scorers.Count == 0) throw new ArgumentException("at least one model is needed", nameof(scorers));
        _scorers = scorers;
        _features = features;
        _threads = threads;
        _device = device;
        _mean = mean;
    }

    /// <param name="scored">Called with each clip's prediction, in path order, as soon as its group of files is
    /// scored (so results can be written while the rest are still being decoded).</param>
    public IReadOnlyList<ClipPrediction> Predict(IReadOnlyList<string> paths, IProgress<PredictionProgress>? progress = null, CancellationToken cancel = default,
        Action<ClipPrediction>? scored = null)
    {
        int cores = _threads > 0 ? _threads : Environment.ProcessorCount;
        TorchRuntime.Initialise(cores);
        var dev = ComputeDevice.Resolve(_device).Device;
        foreach (var scorer in _scorers)
        {
            scorer.Model.to(dev);
            scorer.Model.eval();
        }
        var clock = Stopwatch.StartNew();
        var results = new ClipPrediction[paths.Count];
        double audioSeconds = 0;
        int done = 0;
        using var extractors = LogMelExtractor.PerThread(_features);
        // Progress in audio seconds, reported while clips decode (AudioSecondsMeter.ReportDue paces it), not only per
        // group of files.
        var meter = progress is null ? null : new AudioSecondsMeter(paths, _features.SampleRate);
        void Decoded(int n)
        {
            if (!meter!.ReportDue()) return;
            lock (results) progress!.Report(new PredictionProgress(done, paths.Count, audioSeconds, clock.Elapsed, meter.DecodedSeconds, meter.TotalSeconds));
        }
        const int chunk = 64;
        ClipFeatures[] Extract(int start)
        {
            int count = Math.Min(chunk, paths.Count - start);
            var mels = new ClipFeatures[count];
            Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = cores, CancellationToken = cancel },
                i =>
                {
                    try
                    {
                        if (meter is null)
                        {
                            mels[i] = ClipFeatures.Load(extractors.Value!, paths[start + i], int.MaxValue, cancel);
                            return;
                        }
                        var count = meter.Counter(start + i);
                        mels[i] = ClipFeatures.Load(extractors.Value!, paths[start + i], int.MaxValue, cancel, n => { count(n); Decoded(n); });
                        meter.Finished(start + i);
                    }
                    catch (OperationCanceledException) when (cancel.IsCancellationRequested)
                    {
                        // Reported once, by the caller, instead of wrapped in Parallel.For's AggregateException.
                    }
                });
            return mels;
        }
        // On a GPU the next chunk's features are extracted on the CPU threads while this chunk is scored. On the CPU
        // both would want every core: there they take turns.
        bool overlap = dev.type != DeviceType.CPU;
        Task<ClipFeatures[]>? pending = paths.Count > 0 && overlap ? Task.Run(() => Extract(0)) : null;
        for (int start = 0; start < paths.Count; start += chunk)
        {
            var mels = pending is not null ? pending.GetAwaiter().GetResult() : Extract(start);
            pending = overlap && start + chunk < paths.Count ? Task.Run(() => Extract(start + chunk)) : null;
            int count = mels.Length;
            try
            {
                cancel.ThrowIfCancellationRequested();
                int[] scorable = Enumerable.Range(0, count).Where(i => mels[i].Mel is not null).ToArray();
                var clips = scorable.Select(i => mels[i].Mel!).ToList();
                var perModel = _scorers.Select(s =>
                {
                    cancel.ThrowIfCancellationRequested();
                    return s.Score(clips, dev);
                }).ToList();
                for (int j = 0; j < scorable.Length; j++)
                {
                    int i = scorable[j];
                    var probabilities = EnsembleAverage.Combine(perModel.Select(m => m[j]).ToList(), _mean);
                    results[start + i] = new ClipPrediction(paths[start + i], probabilities, null, mels[i].Seconds, mels[i].Mel!.Frames, mels[i].ShortRead, mels[i].Peak);
                }
            }
            catch
            {
                // The extraction under way uses the per-thread extractors disposed on the way out: let it end first.
                try { pending?.Wait(); } catch (AggregateException) { }
                throw;
            }
            for (int i = 0; i < count; i++)
            {
                if (mels[i].Mel is null) results[start + i] = new ClipPrediction(paths[start + i], null, mels[i].Error!.Message, 0, 0);
                audioSeconds += mels[i].Seconds;
            }
            if (scored is not null)
                for (int i = 0; i < count; i++) scored(results[start + i]);
            done += count;
            // At the end the total is what was decoded, exactly (the estimates have all been replaced).
            lock (results) progress?.Report(new PredictionProgress(done, paths.Count, audioSeconds, clock.Elapsed, meter?.DecodedSeconds ?? 0,
                done == paths.Count ? meter?.DecodedSeconds ?? 0 : meter?.TotalSeconds ?? 0));
        }
        return results;
    }
}
