using FreesoundTagging.Features;

namespace FreesoundTagging.Models;

/// <summary>Everything a model file says about its weights: which network, which classes in output order, and
/// the feature settings its inputs must be made with.</summary>
/// <param name="Variant">A <see cref="ModelVariant"/> name, e.g. "cnn_1d".</param>
/// <param name="Classes">Label names; output column i is Classes[i].</param>
/// <param name="Features">The features the model was trained on; its MelCount is the input channel count.</param>
/// <param name="WindowFrames">With crop training: frames of the windows predict averages its scores over, sliding along
/// each clip (the training crop, or --score-window's length). Null (and in files written before crops existed): whole clips.</param>
/// <param name="WindowHopFrames">Frames between the starts of those windows; null (files before it was recorded): half a window.</param>
/// <param name="Members">Networks of the same variant the file holds, trained with different seeds, whose probabilities
/// predict averages (<see cref="MemberAverage"/>); null (files before ensembles could be saved): one.</param>
/// <param name="BandShifts">Test-time augmentation along the mel axis: predict scores every input also shifted by 1 to
/// this many bands up and down (<see cref="BandShifter"/>) and averages the probabilities; null or 0: unshifted only.</param>
public sealed record ModelMetadata(string Variant, IReadOnlyList<string> Classes, FeatureConfig Features, TrainingHistory History, int? WindowFrames = null,
    int? WindowHopFrames = null, int? Members = null, int? BandShifts = null)
{
    /// <summary>Most bands a scoring shift may move an input by.</summary>
    public const int MaxBandShifts = 8;

    /// <summary>The shifts predict averages over: 0, then ±1 … ±<see cref="BandShifts"/>.</summary>
    public int ScoringBandShifts => BandShifts ?? 0;

    /// <summary>Networks in the file (1 unless it holds an ensemble).</summary>
    public int MemberCount => Members ?? 1;

    /// <summary>The hop predict slides its windows by: the recorded one, else half a window.</summary>
    public int? ScoringHopFrames => WindowFrames is { } window ? WindowHopFrames ?? DefaultHop(window) : null;

    /// <summary>Frames of the crops the network was trained on: from the recorded training options, else (files from
    /// before --score-window, imported ones) the scoring window, which was the crop then; null for whole clips.</summary>
    public int? TrainingCropFrames => WindowFrames is null ? null : History.Options?.CropFrames(Features) ?? WindowFrames;

    /// <summary>Half a window: what predict used before the hop was recorded.</summary>
    public static int DefaultHop(int windowFrames) => Math.Max(1, windowFrames / 2);
}
