using System.Globalization;
using System.Text.Json;
using FreesoundTagging.Features;

namespace FreesoundTagging.Models;

/// <summary>What a model file says about itself, for <c>predict MODEL --info</c>: read from its metadata, the
/// weights are not loaded.</summary>
/// <param name="CropSeconds">The crop length it was trained on, or null for whole clips.</param>
/// <param name="FinalValidationMap3">Validation MAP@3 after the last epoch (null without a validation set).</param>
/// <param name="BestValidationMap3">The best epoch's validation MAP@3, with <paramref name="BestEpoch"/>.</param>
/// <param name="Members">Networks the file holds (an ensemble of seeds when more than one); the parameters are their sum.</param>
/// <param name="WindowFrames">With crops: frames of the windows predict scores (the crop's, or --score-window's).</param>
/// <param name="WindowHopFrames">With crops: frames between those windows.</param>
/// <param name="BandShifts">Scoring shifts along the mel axis predict averages over (0: none).</param>
/// <param name="EnsembleValidationMap3">A validated ensemble's MAP@3 of the averaged members (the epochs and the
/// other validation figures are the first member's).</param>
/// <param name="TrainedOn">The device and libtorch build that trained it (null in files of earlier builds).</param>
public sealed record ModelInfo(
    string Path,
    string Variant,
    long Parameters,
    IReadOnlyList<string> Classes,
    FeatureConfig Features,
    double? CropSeconds,
    string? Recipe,
    int? Seed,
    bool LengthBucketed,
    int? DatasetClips,
    int Epochs,
    double TrainingSeconds,
    double? FinalTrainLoss,
    double? FinalValidationMap3,
    double? BestValidationMap3,
    int? BestEpoch,
    int Members = 1,
    int? WindowFrames = null,
    int? WindowHopFrames = null,
    double? EnsembleValidationMap3 = null,
    int BandShifts = 0,
    double? WindowSeconds = null,
    string? TrainedOn = null)
{
    /// <exception cref="InvalidModelException">Not a model file, truncated or corrupt.</exception>
    public static ModelInfo Read(string path)
    {
        var m = ModelFile.ReadMetadata(path);
        var h = m.History;
        var validated = h.Epochs.Where(e => e.MeanAveragePrecisionAt3 is not null).ToList();
        var best = validated.Count == 0 ? null : validated.MaxBy(e => e.MeanAveragePrecisionAt3);
        var last = h.Epochs.Count == 0 ? null : h.Epochs[^1];
        double? Seconds(int? frames) => frames is { } n ? Math.Round((double)n * m.Features.HopLength / m.Features.SampleRate, 4) : null;
        double? window = Seconds(m.WindowFrames), crop = Seconds(m.TrainingCropFrames);
        return new ModelInfo(path, m.Variant, ModelVariant.Parse(m.Variant).ParameterCount(m.Features.MelCount, m.Classes.Count) * m.MemberCount, m.Classes, m.Features,
            crop,
            h.Recipe, h.Seed, h.LengthBucketed, h.DatasetClips, h.Epochs.Count, h.ElapsedSeconds, last?.TrainLoss,
            last?.MeanAveragePrecisionAt3, best?.MeanAveragePrecisionAt3, best?.Epoch, m.MemberCount, m.WindowFrames, m.ScoringHopFrames, h.EnsembleValidationMap3,
            m.ScoringBandShifts, window, h.TrainedOn);
    }

    public string ToJson() => JsonSerializer.Serialize(this, IO.JsonFormat.Options);

    /// <summary>"half-window hop", or the hop in frames and as a share of the window.</summary>
    private string Hop() =>
        WindowFrames is not { } window || WindowHopFrames is not { } hop || hop == ModelMetadata.DefaultHop(window)
            ? "half-window hop" : $"hop {hop} frames ({window / (double)hop:0.#} per window)";

    /// <summary>"name: value" lines for a person.</summary>
    public IEnumerable<string> ToLines()
    {
        static string F(double v) => v.ToString("0.####", CultureInfo.InvariantCulture);
        var f = Features;
        yield return $"model:        {Path}";
        yield return Members > 1
            ? $"variant:      {Variant}, an ensemble of {Members} networks ({Parameters:N0} parameters in all); predict averages their probabilities"
            : $"variant:      {Variant} ({Parameters:N0} parameters)";
        yield return $"classes:      {Classes.Count}: {string.Join(", ", Classes)}";
        yield return $"features:     log-mel, {f.SampleRate} Hz, FFT {f.FftSize}, hop {f.HopLength}, {f.MelCount} mel bands {F(f.FMinHz)}-{F(f.FMaxHz)} Hz, " +
                     (f.LogReference == LogReference.ClipPeak ? $"ln(mel / the clip's peak + {FeatureConfig.FormatLogOffset(f.LogOffset)}), " : $"ln(mel + {FeatureConfig.FormatLogOffset(f.LogOffset)}), ") +
                     $"{IO.EnumSpelling.Spell(f.PadMode)} padding, {f.MaxFrames} frames per clip";
        yield return $"scoring:      " + (WindowSeconds is { } w ? $"windows of {F(w)} s ({(CropSeconds is { } c && c != w ? $"its training crop is {F(c)} s" : "its training crop")}), {Hop()}, averaged" : LengthBucketed ? "whole clips, batched by length" : "whole clips, padded")
            + (BandShifts > 0 ? $"; each also shifted by ±1{(BandShifts > 1 ? $"..±{BandShifts}" : "")} mel bands ({2 * BandShifts + 1} passes averaged)" : "");
        yield return $"recipe:       {Recipe ?? "(not recorded)"}";
        yield return $"training:     {(Members > 1 ? $"{Members} networks of {Epochs} epochs" : $"{Epochs} epochs")} in {TimeSpan.FromSeconds(TrainingSeconds):h\\:mm\\:ss} on " +
                     (DatasetClips is { } n ? $"{n} clips (validation rows included)" : "(clip count not recorded)") + (Seed is { } s ? $", seed {s}" : "");
        yield return $"trained on:   {TrainedOn ?? "(device not recorded)"}";
        yield return EnsembleValidationMap3 is { } ensemble
            ? $"validation:   MAP@3 {F(ensemble)} of the ensemble; its first member: {F(FinalValidationMap3 ?? double.NaN)} after the last epoch"
            : FinalValidationMap3 is { } final
            ? $"validation:   MAP@3 {F(final)} after the last epoch, best {F(BestValidationMap3!.Value)} at epoch {BestEpoch}"
            : "validation:   none (trained without a validation set)" + (FinalTrainLoss is { } loss ? $"; final training loss {F(loss)}" : "");
    }
}
