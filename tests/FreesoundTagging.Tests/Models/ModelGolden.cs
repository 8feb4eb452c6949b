using FreesoundTagging.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Models;

/// <summary>The PyTorch reference run (weights, input, outputs) under golden/model/, made from the Keras recipe.</summary>
internal static class ModelGolden
{
    public const int ClassCount = 41;
    public const int InputChannels = 64;

    public static string PathOf(string file) => Golden.PathOf(Path.Combine("model", file));

    public static Tensor Load(string file)
    {
        var array = NumSharp.np.load_npy(PathOf(file));
        return tensor(array.ToArray<float>(), array.shape.Select(d => (long)d).ToArray());
    }

    /// <summary>The model of <paramref name="variant"/> with the reference weights copied in.</summary>
    public static Cnn1dModel ModelWithReferenceWeights(string variant)
    {
        var model = (Cnn1dModel)ModelVariant.Parse(variant).Create(InputChannels, ClassCount);
        using var noGrad = no_grad();
        foreach (var (name, parameter) in model.named_parameters())
        {
            using var reference = Load($"model.{variant}.{name}.npy");
            parameter.copy_(reference);
        }
        return model;
    }

    /// <summary>Largest |actual − expected| relative to the largest |expected|: errors on the array's own scale,
    /// so values near zero (logits, ReLU outputs) are not judged by their tiny magnitudes.</summary>
    public static double WorstRelativeError(Tensor actual, Tensor expected)
    {
        using var diff = (actual - expected).abs();
        return diff.max().item<float>() / expected.abs().max().item<float>();
    }
}
