using FreesoundTagging.Audio;
using FreesoundTagging.Features;

namespace FreesoundTagging.Tests.Support;

/// <summary>
/// The log-mel of a clip held whole, framed directly on the centre-padded array (<see cref="CenterPadding.SampleAt"/>):
/// the reference that <see cref="LogMelExtractor"/>'s streamed frames, which assemble each frame from a sliding window
/// and read the padding from a tail, are checked against bit for bit. The arithmetic after framing is the extractor's,
/// step for step (float64 Hann, the float64 FFT and |X|² of <see cref="PowerSpectrum"/>, the filter bank, the log), so any difference is framing.
/// </summary>
internal sealed class WholeClipLogMel
{
    private readonly FeatureConfig _config;
    private readonly PowerSpectrum _fft;
    private readonly MelFilterBank _bank;
    private readonly double[] _window;

    public WholeClipLogMel(FeatureConfig config)
    {
        _config = config.EnsureValid();
        int n = config.FftSize;
        _fft = new PowerSpectrum(n);
        _bank = MelFilterBank.Create(config);
        _window = Enumerable.Range(0, n).Select(i => 0.5 - 0.5 * Math.Cos(2 * Math.PI * i / n)).ToArray();
    }

    /// <summary>Frames = 1 + n / HopLength rows of MelCount values.</summary>
    /// <exception cref="InvalidAudioException">The clip has no samples.</exception>
    public LogMel Extract(ReadOnlySpan<float> samples)
    {
        if (samples.Length == 0) throw new InvalidAudioException("empty clip: no samples to analyse");
        int n = _config.FftSize, mels = _config.MelCount, frames = _config.FrameCount(samples.Length);
        bool clipPeak = _config.LogReference == LogReference.ClipPeak;
        var values = new float[frames * mels];
        var frame = new float[n];
        var power = new double[n / 2 + 1];
        var mel = new double[mels];
        for (int t = 0; t < frames; t++)
        {
            long start = (long)t * _config.HopLength - n / 2;
            for (int i = 0; i < n; i++) frame[i] = CenterPadding.SampleAt(samples, start + i, _config.PadMode);
            _fft.Compute(frame, _window, power);
            _bank.Apply(power, mel);
            // ClipPeak keeps the float32 mel powers until the clip's peak is known; the absolute reference logs at once.
            for (int m = 0; m < mels; m++) values[t * mels + m] = clipPeak ? (float)mel[m] : (float)Math.Log(mel[m] + _config.LogOffset);
        }
        if (clipPeak)
        {
            float peak = 0;
            foreach (float v in values) peak = Math.Max(peak, v);
            for (int i = 0; i < values.Length; i++) values[i] = (float)Math.Log((peak > 0 ? values[i] / (double)peak : 0) + _config.LogOffset);
        }
        return new LogMel(values, frames, mels);
    }
}
