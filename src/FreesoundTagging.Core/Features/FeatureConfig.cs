namespace FreesoundTagging.Features;

/// <summary>How a clip becomes a log-mel matrix. Travels with the arrays and with the model, so no later stage
/// re-types a setting. Defaults reproduce the original inputs.py (librosa 0.6).</summary>
public sealed record FeatureConfig
{
    /// <summary>Clips are resampled to this rate (Hz) before anything else.</summary>
    public int SampleRate { get; init; } = 44100;

    /// <summary>STFT size and Hann window length, in samples (librosa n_fft); a power of two (the radix-2 FFT of <see cref="PowerSpectrum"/>).</summary>
    public int FftSize { get; init; } = 2048;

    /// <summary>Samples between frames (librosa hop_length): 441 = 10 ms at 44.1 kHz.</summary>
    public int HopLength { get; init; } = 441;

    /// <summary>Mel bands (librosa n_mels).</summary>
    public int MelCount { get; init; } = 64;

    public double FMinHz { get; init; } = 125.0;

    public double FMaxHz { get; init; } = 7500.0;

    /// <summary>How the signal is padded by FftSize/2 on both sides (librosa center=True).</summary>
    public StftPadMode PadMode { get; init; } = StftPadMode.Reflect;

    /// <summary>Features are ln(mel power / reference + LogOffset), the reference set by <see cref="LogReference"/>.</summary>
    public double LogOffset { get; init; } = 0.001;

    /// <summary>What the mel power is measured against before the log: 1 (the original), or the clip's own peak.</summary>
    public LogReference LogReference { get; init; } = LogReference.Absolute;

    /// <summary>Rows per clip in the arrays: longer clips are truncated, shorter ones zero-padded. 3001 = 30 s.</summary>
    public int MaxFrames { get; init; } = 3001;

    /// <summary>Most rows per clip: 1,000,000 frames are 2.8 hours, and (frames × mels) still fits one array.</summary>
    public const int MaxFramesLimit = 1_000_000;

    /// <summary>The recipe of the original inputs.py.</summary>
    public static FeatureConfig Original { get; } = new();

    /// <summary>A log offset as one would type it: 0.001, 1e-6 (not G4's 1E-06).</summary>
    public static string FormatLogOffset(double offset) =>
        offset.ToString(offset >= 1e-4 ? "0.####" : "0.###e-0", System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Frames librosa produces for <paramref name="sampleCount"/> samples with center=True.</summary>
    public int FrameCount(long sampleCount) => (int)(1 + sampleCount / HopLength);

    /// <summary>Every problem with these settings, empty when they are usable.</summary>
    public IReadOnlyList<string> Problems()
    {
        var problems = new List<string>();
        if (SampleRate <= 0) problems.Add($"SampleRate must be positive (got {SampleRate})");
        if (FftSize < 4 || (FftSize & (FftSize - 1)) != 0) problems.Add($"FftSize must be a power of two, at least 4 (got {FftSize})");
        if (HopLength <= 0) problems.Add($"HopLength must be positive (got {HopLength})");
        if (MelCount <= 0) problems.Add($"MelCount must be positive (got {MelCount})");
        if (FMinHz < 0) problems.Add($"FMinHz must not be negative (got {FMinHz})");
        if (FMaxHz <= FMinHz) problems.Add($"FMaxHz ({FMaxHz}) must exceed FMinHz ({FMinHz})");
        if (SampleRate > 0 && FMaxHz > SampleRate / 2.0) problems.Add($"FMaxHz ({FMaxHz}) must not exceed the Nyquist frequency ({SampleRate / 2.0})");
        if (!(LogOffset > 0)) problems.Add($"LogOffset must be positive (got {LogOffset})");
        if (MaxFrames <= 0 || MaxFrames > MaxFramesLimit) problems.Add($"MaxFrames must be 1 to {MaxFramesLimit} (got {MaxFrames})");
        if (MelCount > 4096) problems.Add($"MelCount must be at most 4096 (got {MelCount})");
        if (!Enum.IsDefined(PadMode)) problems.Add($"PadMode {PadMode} is unknown");
        if (!Enum.IsDefined(LogReference)) problems.Add($"LogReference {LogReference} is unknown");
        return problems;
    }

    /// <exception cref="InvalidSettingsException">Lists every problem at once.</exception>
    public FeatureConfig EnsureValid()
    {
        var problems = Problems();
        if (problems.Count > 0) throw new InvalidSettingsException(problems, "feature settings");
        return this;
    }
}

/// <summary>Padding for centred frames: Reflect is librosa 0.6 (the original), Constant is librosa ≥ 0.10.</summary>
public enum StftPadMode
{
    Reflect,
    Constant,
}

/// <summary>The reference the mel power is divided by before ln(· + LogOffset).</summary>
public enum LogReference
{
    /// <summary>1: the features follow the recording's gain, and LogOffset is an absolute floor (the original).</summary>
    Absolute,

    /// <summary>
    /// The clip's largest mel power (librosa's power_to_db with ref=np.max): the loudest band of the loudest frame
    /// is ln(1 + LogOffset) ≈ 0 and the floor sits LogOffset below it, so the features do not depend on the
    /// recording's gain and a quiet clip keeps as many decibels above the floor as a loud one. The peak is the whole
    /// clip's, also where the arrays keep only its first MaxFrames frames.
    /// </summary>
    ClipPeak,
}
