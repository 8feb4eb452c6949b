using FreesoundTagging.Models;
using static TorchSharp.torch;

namespace FreesoundTagging.Training;

/// <summary>The logits of a training batch: a network that skips padding (<see cref="TaggingModel.SkipsPadding"/>)
/// is fed only the frames that hold content and computes the padded batch's logits and gradients from them.</summary>
internal static class BatchForward
{
    /// <summary>Whether <paramref name="model"/> is fed batches trimmed to their content (the assembler's trimPadding).</summary>
    public static bool TrimsPadding(nn.Module<Tensor, Tensor> model) => model is TaggingModel { SkipsPadding: true };

    public static Tensor Logits(nn.Module<Tensor, Tensor> model, AssembledBatch batch, Device device)
    {
        using var x = batch.Samples(device);
        if (model is not TaggingModel { SkipsPadding: true } network) return model.forward(x);
        return network.ForwardPadded(x, batch.Frames, batch.ContentFrames);
    }
}
