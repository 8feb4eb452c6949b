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
/// <para>The generator is a CPU one whatever device the input is on: the mask is drawn on the CPU and copied to the
/// input's device, so a seed gives the same masks on a GPU as on the CPU (libtorch's CUDA generator draws other
/// numbers, and <c>torch.manual_seed</c> in TorchSharp seeds only the CPU one).</para>
/// </remarks>
public sealed class SeededDropout : nn.Module<Tensor, Tensor>
{
    private readonly double _p;

    public SeededDropout(double p) : base("Dropout")
    {
        if (p is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(p), p, "must be in [0, 1)");
        _p = p;
    }

    /// <summary>Where the masks come from while training (a CPU generator); null = libtorch's global generator.</summary>
    public Generator? Generator
    {
        get => _generator;
        set
        {
            if (value is not null && value.device.type != DeviceType.CPU)
                throw new ArgumentException("dropout masks are drawn from a CPU generator, on any device", nameof(value));
            _generator = value;
        }
    }

    private Generator? _generator;

    public override Tensor forward(Tensor input)
    {
        if (Generator is null) return nn.functional.dropout(input, _p, training);
        if (!training || _p == 0 || input.numel() == 0) return input.alias();
        // Held until the call returns (see OwnedScalars); divided by, not multiplied by its inverse, as libtorch does.
        using var keep = (1 - _p).ToScalar();
        bool onCpu = input.device_type == DeviceType.CPU;
        // On the CPU the mask takes the input's layout, as libtorch's own dropout makes it.
        using var noise = (onCpu ? empty_like(input) : empty(input.shape, input.dtype, CPU)).bernoulli_(1 - _p, Generator);
        noise.div_(keep);
        if (onCpu) return input.mul(noise);
        // Pageable memory, but never a stall: the copy is staged at once and runs in the stream's order.
        using var onDevice = noise.to(input.device, non_blocking: true);
        return input.mul(onDevice);
    }
}
