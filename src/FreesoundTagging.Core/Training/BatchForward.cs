using FreesoundTagging.Models;
using static TorchSharp.torch;

namespace FreesoundTagging.Training;

/// <summary>The logits of a training batch: for the 1-D networks, the padded batch computed without its padding
/// (the same logits and gradients, <see cref="Cnn1dModel.ForwardPadded"/>), fed only the frames that hold content.</summary>
internal static class BatchForward
{
    public static Tensor Logits(nn.Module<Tensor, Tensor> model, AssembledBatch batch, Device device)
    {
        if (model is not Cnn1dModel { ElidePadding: true } cnn) return model.forward(batch.Samples(device));
        var content = batch.ContentFrames;
        int longest = Math.Max(1, content.Max());
        using var x = batch.Samples(device, longest);
        return cnn.ForwardPadded(x, batch.Frames, content);
    }
}
