using FreesoundTagging.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace FreesoundTagging.Features;

/// <summary>A clip's log-mel matrix: <see cref="Values"/> is (Frames, MelCount), row-major.</summary>
public sealed record LogMel(float[] Values, int Frames, int MelCount);

/// <summary>
/// Waveform → ln(mel power + offset), the original inputs.py recipe, on torch.stft. Window and filter bank are
/// built once; one instance may be shared by many threads (it only reads them).
/// </summary>
public sealed class LogMelExtractor : IDisposable
{
    private readonly Tensor _window;
    private readonly Tensor _filterBank;
    private readonly Tensor _logOffset;

    public LogMelExtractor(FeatureConfig config)
    {
        Config = config.EnsureValid();
        _window = hann_window(config.FftSize, periodic: true, dtype: float32);
        int bins = config.FftSize / 2 + 1;
        _filterBank = tensor(MelFilterBank.CreateSingle(config), new long[] { config.MelCount, bins });
        _logOffset = tensor((float)config.LogOffset);
    }

    public FeatureConfig Config { get; }

    /// <summary>
    /// Log-mel of a mono clip already at <see cref="FeatureConfig.SampleRate"/>: Frames = 1 + n / HopLength.
    /// </summary>
    /// <exception cref="InvalidAudioException">The clip has no samples.</exception>
    public LogMel Extract(ReadOnlySpan<float> samples)
    {
        using var scope = NewDisposeScope();
        return LogMelOf(PowerSpectrogram(samples));
    }

    /// <summary>|STFT|² of a clip, (bins, frames), centred with the configured padding (librosa center=True).</summary>
    /// <exception cref="InvalidAudioException">The clip has no samples.</exception>
    public Tensor PowerSpectrogram(ReadOnlySpan<float> samples)
    {
        if (samples.Length == 0) throw new InvalidAudioException("empty clip: no samples to analyse");
        float[] padded = CenterPadding.Apply(samples, Config.FftSize / 2, Config.PadMode);
        using var scope = NewDisposeScope();
        var signal = from_array(padded);
        // center=false: the padding above already is librosa's, and works for clips shorter than half a window.
        var spectrum = stft(signal, Config.FftSize, Config.HopLength, Config.FftSize, _window,
            center: false, normalized: false, onesided: true, return_complex: true);
        // No implicit Scalars (square() is pow(2)): see OwnedScalars.
        var parts = view_as_real(spectrum);                            // (bins, frames, 2)
        return parts.mul(parts).sum(-1).MoveToOuterDisposeScope();     // (bins, frames)
    }

    /// <summary>ln(mel filter bank · power + offset), transposed to (frames, mels) and copied out.</summary>
    public LogMel LogMelOf(Tensor power)
    {
        using var scope = NewDisposeScope();
        var mel = _filterBank.matmul(power);                           // (mels, frames)
        var logMel = mel.add_(_logOffset, OwnedScalars.One).log_().t().contiguous();     // (frames, mels)
        int frames = (int)logMel.shape[0];
        return new LogMel(logMel.data<float>().ToArray(), frames, Config.MelCount);
    }

    public void Dispose()
    {
        _window.Dispose();
        _filterBank.Dispose();
        _logOffset.Dispose();
    }
}
