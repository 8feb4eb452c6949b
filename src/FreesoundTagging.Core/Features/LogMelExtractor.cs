using FreesoundTagging.Audio;

namespace FreesoundTagging.Features;

/// <summary>A clip's log-mel matrix: <see cref="Values"/> is (Frames, MelCount), row-major.</summary>
public sealed record LogMel(float[] Values, int Frames, int MelCount);

/// <summary>
/// The kept rows of a streamed clip's log-mel.
/// </summary>
/// <param name="ClipFrames">Frames the clip has: exact when it was read to its end (<paramref name="Complete"/>); for a
/// clip cut off after the kept rows, at least Mel.Frames + 1, or its header's count when that is more.</param>
public sealed record StreamedLogMel(LogMel Mel, int ClipFrames, bool Complete);

/// <summary>
/// Waveform → ln(mel power + offset), the original inputs.py recipe: librosa's centre padding, a periodic Hann
/// window (float64), a float64 real FFT and |X|² (<see cref="PowerSpectrum"/>), NWaves' sparse Slaney filter bank, then the log
/// (of the power over the clip's peak with <see cref="LogReference.ClipPeak"/>).
/// Every step is arithmetic in a fixed order on one thread (the FFT's vector path gives the scalar path's bits), so a clip's features are the same bits
/// whatever the thread count or how many clips run beside it.
/// Not thread-safe: the FFT and this type keep scratch buffers, so use one instance per worker
/// (<see cref="PerThread"/>).
/// </summary>
public sealed class LogMelExtractor
{
    private readonly PowerSpectrum _fft;
    private readonly MelFilterBank _bank;
    private readonly double[] _window;
    private readonly double[] _power;
    private readonly double[] _mel;
    private StreamingFrames? _stream;

    public LogMelExtractor(FeatureConfig config)
    {
        Config = config.EnsureValid();
        int n = config.FftSize;
        _fft = new PowerSpectrum(n);
        _bank = MelFilterBank.Create(config);
        // scipy's periodic Hann, as librosa uses it, in float64: NWaves' Window.OfType(Hann, n + 1) without its last
        // point is the same window, but only in float32, which costs 6x the error against librosa (3.3e-6 vs 5e-7).
        _window = Enumerable.Range(0, n).Select(i => 0.5 - 0.5 * Math.Cos(2 * Math.PI * i / n)).ToArray();
        _power = new double[n / 2 + 1];
        _mel = new double[config.MelCount];
    }

    public FeatureConfig Config { get; }

    /// <summary>One extractor per thread that asks, for parallel work that must never share one.</summary>
    public static ThreadLocal<LogMelExtractor> PerThread(FeatureConfig config)
    {
        config.EnsureValid();
        return new ThreadLocal<LogMelExtractor>(() => new LogMelExtractor(config));
    }

    /// <summary>
    /// Log-mel of a whole clip read block by block from <paramref name="source"/> (at <see cref="FeatureConfig.SampleRate"/>):
    /// Frames = 1 + n / HopLength, while holding only one window plus one block of samples, so memory is the log-mel
    /// itself whatever the length. A clip in memory is read through a source too: there is one framing, the streamed one.
    /// </summary>
    /// <exception cref="InvalidAudioException">The clip has no samples, or the source cannot be read.</exception>
    public LogMel Extract(IMonoSampleSource source) => Extract(source, int.MaxValue, CancellationToken.None).Mel;

    /// <summary>
    /// The first <paramref name="keepFrames"/> rows of the clip's log-mel (the same bits as the whole log-mel's rows),
    /// streamed from <paramref name="source"/>. Reading stops one frame past the kept rows, so time and memory follow
    /// what is kept, not what the file holds or claims; with <see cref="LogReference.ClipPeak"/> the rest of the clip is
    /// still read for its peak, one frame at a time, and only the kept rows are held.
    /// </summary>
    /// <exception cref="InvalidAudioException">The clip has no samples, or the source cannot be read.</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> was cancelled (checked every few frames).</exception>
    public StreamedLogMel Extract(IMonoSampleSource source, int keepFrames, CancellationToken cancel)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(keepFrames);
        if (source.SampleRate != Config.SampleRate)
            throw new ArgumentException($"the source is at {source.SampleRate} Hz, the features want {Config.SampleRate} Hz", nameof(source));
        var frames = _stream ??= new StreamingFrames(Config);
        frames.Begin(source);
        int mels = Config.MelCount;
        bool clipPeak = Config.LogReference == LogReference.ClipPeak;
        // Sized from the header's length, exact for all but cut-short files, and never past the kept rows (a header can
        // claim anything). Rows past it (a source that does not know its length, such as ffmpeg's pipe) go to fixed
        // chunks joined once at the end: at most twice the log-mel, where doubling one array held up to three times it.
        long hinted = 1 + Math.Max(0, source.LengthHint) / Config.HopLength;
        int sized = (int)Math.Min(Math.Min(hinted, Array.MaxLength / mels), keepFrames);
        var values = new float[sized * mels];
        List<float[]>? chunks = null;
        int count = 0;
        float peakPastKept = 0;
        bool stoppedEarly = false;
        while (frames.Next())
        {
            // One SIGTERM must stop a long clip within seconds: a frame costs up to a few ms (n_fft 65536, 4096 bands).
            if ((count & 63) == 0) cancel.ThrowIfCancellationRequested();
            if (count >= keepFrames)
            {
                count++;
                if (!clipPeak)
                {
                    // This frame exists, so the clip is longer than what is kept: nothing after it is needed.
                    stoppedEarly = true;
                    break;
                }
                PowerOf(frames.Current);
                _bank.Apply(_power, _mel);
                // The same float32 mel powers FrameValues stores, so the peak is the bits the whole log-mel gives.
                for (int m = 0; m < _mel.Length; m++) peakPastKept = Math.Max(peakPastKept, (float)_mel[m]);
                continue;
            }
            Span<float> row;
            if (count < sized) row = values.AsSpan(count * mels, mels);
            else
            {
                int past = count - sized;
                if (past % ChunkFrames == 0) (chunks ??= []).Add(new float[ChunkFrames * mels]);
                row = chunks![past / ChunkFrames].AsSpan(past % ChunkFrames * mels, mels);
            }
            PowerOf(frames.Current);
            FrameValues(_power, row);
            count++;
        }
        if (count == 0) throw new InvalidAudioException("empty clip: no samples");
        int kept = Math.Min(count, keepFrames);
        var joined = Join(values, chunks, kept * mels);
        FinishClip(joined, peakPastKept);
        // A clip cut off here has at least count frames; its header, where it has one, says how many more.
        int clipFrames = stoppedEarly ? (int)Math.Clamp(hinted, count, int.MaxValue) : count;
        return new StreamedLogMel(new LogMel(joined, kept, mels), clipFrames, !stoppedEarly);
    }

    // Log-mel rows per chunk past the sized array: 1 MB of 64 bands, 41 s of audio at the original hop.
    private const int ChunkFrames = 4096;

    private static float[] Join(float[] values, List<float[]>? chunks, int length)
    {
        if (chunks is null && values.Length == length) return values;
        var joined = new float[length];
        int copied = Math.Min(values.Length, length);
        values.AsSpan(0, copied).CopyTo(joined);
        foreach (float[] chunk in chunks ?? [])
        {
            int take = Math.Min(chunk.Length, length - copied);
            chunk.AsSpan(0, take).CopyTo(joined.AsSpan(copied));
            copied += take;
        }
        return joined;
    }

    /// <summary>|FFT|² of the window-length <paramref name="frame"/> (already padded) into _power.</summary>
    private void PowerOf(ReadOnlySpan<float> frame)
    {
        _fft.Compute(frame, _window, _power);
    }

    // The clip's peak is known only once every frame is in, so ClipPeak keeps the mel powers (float32: 6e-8 relative,
    // far below the log's float32 rounding) and FinishClip takes the logs in a second pass over the log-mel's own
    // memory; the absolute reference takes them frame by frame, as the original did.
    private void FrameValues(ReadOnlySpan<double> power, Span<float> destination)
    {
        _bank.Apply(power, _mel);
        if (Config.LogReference == LogReference.ClipPeak)
            for (int m = 0; m < _mel.Length; m++) destination[m] = (float)_mel[m];
        else
            for (int m = 0; m < _mel.Length; m++) destination[m] = (float)Math.Log(_mel[m] + Config.LogOffset);
    }

    /// <summary>ClipPeak: mel powers → ln(power / peak + offset) in place; a silent clip (peak 0) is all floor.</summary>
    /// <param name="peakElsewhere">The largest mel power of the clip's frames not in <paramref name="values"/>.</param>
    private void FinishClip(Span<float> values, float peakElsewhere = 0)
    {
        if (Config.LogReference != LogReference.ClipPeak) return;
        float peak = peakElsewhere;
        foreach (float v in values) peak = Math.Max(peak, v);
        double offset = Config.LogOffset;
        // A mel power past float32's range (samples of about 1e17 and more) is infinite and its log NaN, which
        // ClipFeatures rejects as not finite.
        for (int i = 0; i < values.Length; i++) values[i] = (float)Math.Log((peak > 0 ? values[i] / (double)peak : 0) + offset);
    }
}
