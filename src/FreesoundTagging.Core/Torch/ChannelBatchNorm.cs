using FreesoundTagging.Runtime;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FreesoundTagging.Torch;

/// <summary>
/// Batch normalisation over dimension 1 of (N, C, L) or (N, C, H, W) input, as torch.nn.BatchNorm1d/2d with
/// their defaults (ε 1e-5, momentum 0.1, affine, running statistics), and with the same parameter and buffer
/// names, so model files and checkpoints are unchanged.
/// </summary>
/// <remarks>
/// TorchSharp's own forward counts batches with <c>num_batches_tracked.add_(1)</c>, an implicit Scalar that a
/// garbage collection can free while libtorch reads it (<see cref="OwnedScalars"/>); this one counts with a
/// rooted Scalar and leaves the rest to <c>functional.batch_norm</c>.
/// <para>TorchSharp's <c>NormBase.Dispose(bool)</c> also disposes the weights and running statistics when called
/// from the finalizer. A module is unreachable as soon as its last field has been read — in <c>Module.save</c>,
/// once <c>state_dict()</c> has returned — while its tensors are still in use, so a collection at that moment
/// emptied them under the save ("Tensor invalid -- empty handle" from a checkpoint written on Ctrl+C). Only an
/// explicit Dispose disposes them here; otherwise each tensor is freed by its own finalizer when nothing holds it,
/// as Linear and Conv2d do.</para>
/// </remarks>
public sealed class ChannelBatchNorm : NormBase
{
    private readonly int _spatialDims;

    private ChannelBatchNorm(long features, int spatialDims)
        : base(features, 1e-5, 0.1, affine: true, track_running_stats: true, device: null, dtype: null, name: $"BatchNorm{spatialDims}d")
    {
        _spatialDims = spatialDims;
    }

    /// <summary>Over the channels of (N, C, L), like BatchNorm1d.</summary>
    public static ChannelBatchNorm Over1d(long features) => new(features, 1);

    /// <summary>Over the channels of (N, C, H, W), like BatchNorm2d.</summary>
    public static ChannelBatchNorm Over2d(long features) => new(features, 2);

    protected override void ValidateInputDimensions(Tensor input)
    {
        if (input.dim() != 2 + _spatialDims || input.shape[1] != num_features)
            throw new ArgumentException($"expected input (N, {num_features}{string.Concat(Enumerable.Repeat(", …", _spatialDims))}), got ({string.Join(", ", input.shape)})", nameof(input));
    }

    public override Tensor forward(Tensor input)
    {
        ValidateInputDimensions(input);
        if (training) num_batches_tracked!.add_(OwnedScalars.One, OwnedScalars.One);
        // No momentum means a cumulative average, as in PyTorch.
        double factor = momentum ?? (training ? 1.0 / num_batches_tracked!.item<long>() : 0);
        return nn.functional.batch_norm(input, running_mean, running_var, weight, bias, training, factor, eps);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) base.Dispose(disposing);
    }
}
