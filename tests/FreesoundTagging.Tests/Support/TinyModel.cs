using FreesoundTagging.Features;
using FreesoundTagging.Models;

namespace FreesoundTagging.Tests.Support;

/// <summary>An untrained (seeded) cnn_1d saved as a model file for TinyCorpus's classes: enough for format tests.</summary>
internal static class TinyModelFile
{
    public static string Write(string path, IReadOnlyList<string>? classes = null, int maxFrames = 120)
    {
        classes ??= TinyCorpus.Classes;
        TorchSharp.torch.manual_seed(3);
        var features = FeatureConfig.Original with { MaxFrames = maxFrames };
        using var model = Cnn1dModel.Create(ModelVariant.Cnn1d, features.MelCount, classes.Count);
        ModelFile.Save(path, model, classes, features);
        return path;
    }
}
