using FreesoundTagging.Features;
using FreesoundTagging.Models;

namespace FreesoundTagging.Tests.Support;

/// <summary>An untrained (seeded) network saved as a model file for TinyCorpus's classes: enough for format tests.</summary>
internal static class TinyModelFile
{
    public static string Write(string path, IReadOnlyList<string>? classes = null, int maxFrames = 120, int seed = 3, ModelVariant? variant = null, int? windowFrames = null)
    {
        classes ??= TinyCorpus.Classes;
        TorchSharp.torch.manual_seed(seed);
        var features = FeatureConfig.Original with { MaxFrames = maxFrames };
        using var model = (variant ?? ModelVariant.Cnn1d).Create(features.MelCount, classes.Count);
        ModelFile.Save(path, model, classes, features, null, windowFrames);
        return path;
    }
}
