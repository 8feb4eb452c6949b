using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using FreesoundTagging.CommandLine;
using FreesoundTagging.Features;
using FreesoundTagging.IO;

namespace FreesoundTagging.Inputs;

/// <summary>
/// The front end's settings as options of <c>inputs</c> (librosa's names where it has one). They default to the
/// original inputs.py's, land in dataset.json and from there in every model trained on the arrays, so <c>predict</c>
/// computes the same features without being told.
/// </summary>
internal sealed class FeatureOptions
{
    private static readonly FeatureConfig Defaults = FeatureConfig.Original;
    private const int MinRate = 1000, MaxRate = 768_000;
    private const double MaxHz = MaxRate / 2;

    public Option<int> SampleRate { get; } = new("--sample-rate") { Description = "Clips are resampled to this rate (Hz) first", DefaultValueFactory = _ => Defaults.SampleRate };
    public Option<int> FftSize { get; } = new("--n-fft") { Description = "STFT size and Hann window length, in samples (a power of two)", DefaultValueFactory = _ => Defaults.FftSize };
    public Option<int> Hop { get; } = new("--hop") { Description = "Samples between frames (441 = 10 ms at 44.1 kHz)", DefaultValueFactory = _ => Defaults.HopLength };
    public Option<int> Mels { get; } = new("--mels") { Description = "Mel bands (Slaney, area-normalised, as librosa)", DefaultValueFactory = _ => Defaults.MelCount };
    public Option<double> FMin { get; } = new("--fmin") { Description = "Lowest mel band edge (Hz)", DefaultValueFactory = _ => Defaults.FMinHz };
    public Option<double> FMax { get; } = new("--fmax") { Description = "Highest mel band edge (Hz), at most half the sample rate", DefaultValueFactory = _ => Defaults.FMaxHz };
    public Option<double> LogOffset { get; } = new("--log-offset") { Description = "Features are ln(mel power + this), or ln(mel power / the clip's peak + this) with --log-reference clip-peak: the floor that quiet bins are clipped to (the original's 0.001; librosa's power_to_db floors the power at 1e-10 instead)", DefaultValueFactory = _ => Defaults.LogOffset };
    public Option<string> LogReference { get; } = new("--log-reference") { Description = "What the mel power is divided by before the log: absolute (1, the original) or clip-peak (the clip's largest mel power, librosa's ref=np.max: the features no longer follow the recording's gain, and --log-offset becomes a floor below the clip's peak)", DefaultValueFactory = _ => "absolute" };
    public Option<string> PadMode { get; } = new("--pad-mode") { Description = "Edge padding of the centred frames: reflect (librosa < 0.10, the original) or constant (librosa >= 0.10)", DefaultValueFactory = _ => "reflect" };

    public FeatureOptions()
    {
        SampleRate.Between(MinRate, MaxRate, "Hz");
        FftSize.Check<int>(v => v >= 16 && v <= 65536 && (v & (v - 1)) == 0, "must be a power of two from 16 to 65536");
        Hop.Between(1, 65536, "samples");
        Mels.Between(1, 4096, "bands");
        FMin.Between(0, MaxHz);
        FMax.Between(0, MaxHz);
        LogOffset.Check<double>(v => v is > 0 and <= 1e3, "must be above 0 and at most 1000");
        PadMode.OneOf([.. EnumSpelling.Spellings<StftPadMode>()]);
        LogReference.OneOf([.. EnumSpelling.Spellings<Features.LogReference>()]);
    }

    public IEnumerable<Option> All => [SampleRate, FftSize, Hop, Mels, FMin, FMax, LogOffset, LogReference, PadMode];

    /// <summary>The checks that involve two options, as usage errors naming the one to change.</summary>
    public void AddCrossChecks(Command command) => command.Validators.Add(result =>
    {
        int rate = Typed(result, SampleRate, Defaults.SampleRate);
        double fmin = Typed(result, FMin, Defaults.FMinHz), fmax = Typed(result, FMax, Defaults.FMaxHz);
        // A value out of its own range is reported by its option's rule.
        if (rate < MinRate || rate > MaxRate || !(fmin >= 0 && fmin <= MaxHz) || !(fmax >= 0 && fmax <= MaxHz)) return;
        string got = result.GetResult(FMax) is { Tokens.Count: > 0 } ? Hz(fmax) : $"{Hz(fmax)}, the default";
        if (fmax > rate / 2.0)
            result.AddError($"--fmax: must be at most half the sample rate, {Hz(rate / 2.0)} Hz at --sample-rate {rate} (got {got})");
        else if (fmax <= fmin)
            result.AddError($"--fmax: must be above --fmin ({Hz(fmin)} Hz) (got {got})");
    });

    // A command validator sees the values typed, not the options' defaults.
    private static T Typed<T>(CommandResult result, Option<T> option, T fallback)
    {
        if (result.GetResult(option) is not { Tokens.Count: > 0 } typed) return fallback;
        try
        {
            return typed.GetValueOrDefault<T>();
        }
        catch (InvalidOperationException)
        {
            return fallback;
        }
    }

    /// <summary>The settings the parse asks for, everything else (the frame count) as given.</summary>
    public FeatureConfig Read(ParseResult parse, FeatureConfig start) => start with
    {
        SampleRate = parse.GetValue(SampleRate),
        FftSize = parse.GetValue(FftSize),
        HopLength = parse.GetValue(Hop),
        MelCount = parse.GetValue(Mels),
        FMinHz = parse.GetValue(FMin),
        FMaxHz = parse.GetValue(FMax),
        LogOffset = parse.GetValue(LogOffset),
        PadMode = EnumSpelling.Parse<StftPadMode>(parse.GetRequiredValue(PadMode))!.Value,
        LogReference = EnumSpelling.Parse<Features.LogReference>(parse.GetRequiredValue(LogReference))!.Value,
    };

    private static string Hz(double x) => x.ToString("0.###", CultureInfo.InvariantCulture);
}
