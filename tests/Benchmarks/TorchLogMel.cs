using FreesoundTagging.Features;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// The torch.stft front end the core used before NWaves, kept here only so `bench stages` can time both in one
/// run. Its floats depend on libtorch's thread count and CPU; the core's do not.
/// </summary>
internal sealed class TorchLogMel : IDisposable
{
    private readonly FeatureConfig _config;
    private readonly Tensor _window;
    private readonly Tensor _filterBank;
    private readonly Tensor _logOffset;
    // Held, not implicit: TorchSharp's temporary Scalars can be finalized mid-call (see the core's OwnedScalars).
    private readonly Scalar _one = 1.0.ToScalar();

    public TorchLogMel(FeatureConfig config)
    {
        _config = config;
        _window = hann_window(config.FftSize, periodic: true, dtype: float32);
        var bank = MelFilterBank.Create(config).ToDense();
        var flat = new float[bank.Length];
        int i = 0;
        foreach (double w in bank) flat[i++] = (float)w;
        _filterBank = tensor(flat, new long[] { config.MelCount, config.FftSize / 2 + 1 });
        _logOffset = tensor((float)config.LogOffset);
    }

    /// <summary>|STFT|², (bins, frames).</summary>
    public Tensor Power(ReadOnlySpan<float> samples)
    {
        float[] padded = CenterPadding.Apply(samples, _config.FftSize / 2, _config.PadMode);
        using var scope = NewDisposeScope();
        var spectrum = stft(from_array(padded), _config.FftSize, _config.HopLength, _config.FftSize, _window,
            center: false, normalized: false, onesided: true, return_complex: true);
        var parts = view_as_real(spectrum);
        return parts.mul(parts).sum(-1).MoveToOuterDisposeScope();
    }

    /// <summary>ln(bank · power + offset), (frames, mels), copied out.</summary>
    public float[] LogMelOf(Tensor power)
    {
        using var scope = NewDisposeScope();
        var logMel = _filterBank.matmul(power).add_(_logOffset, _one).log_().t().contiguous();
        return logMel.data<float>().ToArray();
    }

    public void Dispose()
    {
        _window.Dispose();
        _filterBank.Dispose();
        _logOffset.Dispose();
        _one.Dispose();
    }
}
