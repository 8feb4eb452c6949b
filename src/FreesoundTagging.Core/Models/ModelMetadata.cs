using FreesoundTagging.Features;

namespace FreesoundTagging.Models;

/// <summary>Everything a model file says about its weights: which network, which classes in output order, and
/// the feature settings its inputs must be made with.</summary>
/// <param name="Variant">A <see cref="ModelVariant"/> name, e.g. "cnn_1d".</param>
/// <param name="Classes">Label names; output column i is Classes[i].</param>
/// <param name="Features">The features the model was trained on; its MelCount is the input channel count.</param>
/// <param name="WindowFrames">Frames of the random crops it was trained on: predict then averages its scores over
/// windows this long sliding along each clip. Null (and in files written before crops existed): whole clips.</param>
public sealed record ModelMetadata(string Variant, IReadOnlyList<string> Classes, FeatureConfig Features, TrainingHistory History, int? WindowFrames = null);
