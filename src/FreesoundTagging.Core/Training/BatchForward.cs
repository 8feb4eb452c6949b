using FreesoundTagging.Models;
using static TorchSharp.torch;

namespace FreesoundTagging.Training;

/// <summary>The logits of a training batch: for the 1-D networks, the padded batch computed without its padding
/// (the same logits and gradients, <see cref="Cnn1dModel.ForwardPadded"/>), fed only the frames that hold content.</summary>
internal static class BatchForward
{
    /// <summary>Whether <paramref name="model"/> is fed batches trimmed to their content (the assembler's trimPadding).</summary>
    public static bool TrimsPadding(nn.Module<Tensor, Tensor> model) => model is Cnn1dModel { ElidePadding: true };

    public static Tensor Logits(nn.Module<Tensor, Tensor> model, AssembledBatch batch, Device device)
    {
        using var x = batch.Samples(device);
        if (model is not Cnn1dModel { ElidePadding: true } cnn) return model.forward(x);
        return cnn.ForwardPadded(x, batch.Frames, batch.ContentFrames);
    }
}
