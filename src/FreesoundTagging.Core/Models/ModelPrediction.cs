using TorchSharp;
using static TorchSharp.torch;

namespace FreesoundTagging.Models;

/// <summary>Class probabilities from a model, the way the original's model.predict gave them.</summary>
public static class ModelPrediction
{
    /// <summary>
    /// Puts <paramref name="model"/> in evaluation mode (dropout off) and returns softmax probabilities (N, C) for
    /// input (N, T, F), without recording gradients.
    /// </summary>
    public static Tensor PredictProbabilities(this TaggingModel model, Tensor input)
    {
        model.eval();
        using var noGrad = no_grad();
        using var logits = model.forward(input);
        return nn.functional.softmax(logits, 1);
    }
}
