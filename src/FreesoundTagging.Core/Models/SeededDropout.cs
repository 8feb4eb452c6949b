using TorchSharp;
using static TorchSharp.torch;

namespace FreesoundTagging.Models;

/// <summary>
/// Dropout that draws its masks from a <see cref="Generator"/> of its own when given one, else from libtorch's
/// global generator as <c>nn.Dropout</c> does. It has no parameters or buffers, so it replaces <c>nn.Dropout</c>
/// without changing a model file's keys.
/// </summary>
/// <remarks>
/// Networks trained at the same time in one process (the members of an ensemble) cannot share the global
/// generator: each reseeds it every step, and the draws would depend on how the threads interleave. The masks are
/// made exactly as libtorch's CPU dropout makes them (an empty tensor filled by <c>bernoulli_(1 − p)</c>, divided
/// by 1 − p, multiplied in), so a generator seeded with s gives the masks that <c>torch.manual_seed(s)</c> would:
/// training with one is bit-identical to training without.
/// </remarks>
public sealed class SeededDropout : nn.Module<Tensor, Tensor>
{
    private readonly double _p;

    public SeededDropout(double p) : base("Dropout")
    {
        if (p is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(p), p, "must be in [0, 1)");
        _p = p;
    }

    /// <summary>Where the masks come from while training; null = libtorch's global generator.</summary>
    public Generator? Generator { get; set; }

    public override Tensor forward(Tensor input)
    {
        if (Generator is null) return nn.functional.dropout(input, _p, training);
        if (!training || _p == 0 || input.numel() == 0) return input.alias();
        // Held until the call returns (see OwnedScalars); divided by, not multiplied by its inverse, as libtorch does.
        using var keep = (1 - _p).ToScalar();
        using var noise = empty_like(input).bernoulli_(1 - _p, Generator);
        noise.div_(keep);
        return input.mul(noise);
    }
}
