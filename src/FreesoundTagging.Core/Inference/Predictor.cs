using System.Diagnostics;
using FreesoundTagging.Features;
using FreesoundTagging.Runtime;
using FreesoundTagging.Scoring;
using FreesoundTagging.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace FreesoundTagging.Inference;

/// <summary>
/// Scores audio files with one trained network or an ensemble of them: features are extracted once per file, with
/// the settings the models were trained with, on all cores; then every network scores every clip the way it was
/// trained and the networks' probabilities are combined (<see cref="EnsembleScorer"/>). With a timeline, the same
/// features are also cut into consecutive windows, each scored the same way as a clip of its own.
/// </summary>
public sealed class Predictor
{
    /// <summary>Clips per forward pass. Measured on corpus-dev's test clips: 16 ran at 77 clips/s in 454 MB, 64 at
    /// 60 clips/s in 1 GB - smaller activations stay in cache and are not faulted in afresh.</summary>
    public const int DefaultBatchSize = 16;

    private readonly EnsembleScorer _scorer;
    private readonly FeatureConfig _features;
    private readonly int _threads;
    private readonly string _device;
    private readonly int? _timelineWindowFrames;

    /// <param name="timelineWindowFrames">Also score consecutive windows of this many frames along each file
    /// (<see cref="TimelineSpans"/>); null: whole files only.</param>
    public Predictor(EnsembleScorer scorer, FeatureConfig features, int threads, string device, int? timelineWindowFrames = null)
    {
        if (timelineWindowFrames is < 1) throw new ArgumentOutOfRangeException(nameof(timelineWindowFrames), timelineWindowFrames, "must be positive");
        _scorer = scorer;
        _features = features;
        _threads = threads;
        _device = device;
        _timelineWindowFrames = timelineWindowFrames;
    }

    /// <param name="scored">Called with each clip's prediction, in path order, as soon as its group of files is
    /// scored (so results can be written while the rest are still being decoded).</param>
    public IReadOnlyList<ClipPrediction> Predict(IReadOnlyList<string> paths, IProgress<PredictionProgress>? progress = null, CancellationToken cancel = default,
        Action<ClipPrediction>? scored = null)
    {
        int cores = _threads > 0 ? _threads : Environment.ProcessorCount;
        TorchRuntime.Initialise(cores);
        var dev = ComputeDevice.Resolve(_device).Device;
        _scorer.Prepare(dev);
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
                var probabilities = _scorer.Score(clips, dev, cancel);
                for (int j = 0; j < scorable.Length; j++)
                {
                    int i = scorable[j];
                    results[start + i] = new ClipPrediction(paths[start + i], probabilities[j], null, mels[i].Seconds, mels[i].Mel!.Frames, mels[i].ShortRead, mels[i].Peak,
                        _timelineWindowFrames is { } width ? Timeline(mels[i], width, dev, cancel) : null);
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

    /// <summary>Consecutive windows of <paramref name="width"/> frames of one file's features (the last one ends
    /// with the file, shorter), each scored as a clip of its own: by a crop-trained network in its sliding crops,
    /// averaged (a window shorter than the crop looped to it); by a padded one zero-padded.</summary>
    private List<TimelineWindow> Timeline(ClipFeatures clip, int width, Device device, CancellationToken cancel)
    {
        var mel = clip.Mel!;
        var spans = TimelineSpans.Of(mel.Frames, _features.SampleRate, _features.HopLength, width, clip.Seconds);
        var windows = spans.Select(s => new LogMel(mel.Values.AsSpan(s.FirstFrame * mel.MelCount, s.FrameCount * mel.MelCount).ToArray(), s.FrameCount, mel.MelCount)).ToList();
        var probabilities = _scorer.Score(windows, device, cancel);
        return spans.Select((s, i) => new TimelineWindow(s.StartSeconds, s.EndSeconds, probabilities[i])).ToList();
    }
}
