using FreesoundTagging.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FreesoundTagging.Torch;

/// <summary>
/// Runs a Conv1d (on (N, C, L), or as a 2-D convolution of height 1 on (N, C, 1, L) channels-last maps: <see
/// cref="ChannelsLastConv1d"/>) with its input and output channels zero-padded to multiples of 16 on CPUs whose
/// kernels need it (the weight padded to match, the extra outputs dropped), which is the same convolution: the extra
/// channels are zero throughout.
/// </summary>
/// <remarks>
/// Why: libtorch 2.10's oneDNN conv1d kernels for AVX2 and wider return wrong values (errors ~20% of the output
/// scale) when a channel count is not a multiple of 16 and the kernel is wider than 1, as for conv2
/// (100 channels) and conv3 (150) here; measured on AMD EPYC (AVX-512) VMs, against an unfold + matmul
/// reference, and not seen on an Intel Xeon. So the alignment is decided once per process by
/// <see cref="ConvDefectProbe"/>: a CPU without the defect runs the plain conv1d and pays nothing, one with it
/// stays exact. Capping oneDNN at SSE4.1 (DNNL_MAX_CPU_ISA) also fixes it but makes a training step 4.7x slower,
/// and disabling oneDNN 3-5x; padding costs ~10-20% more conv work. The parameter shapes (and so model files) are
/// unchanged. Covered by ChannelAlignedConvTests.
/// </remarks>
public static class ChannelAlignedConv
{
    public const int Alignment = 16;

    private static readonly Lazy<bool> Probed = new(ConvDefectProbe.PlainConvIsDefective);

    /// <summary>Set by tests (or FREESOUND_CONV_ALIGN=1/0 for benchmarks) to force one path; null: the probe decides.</summary>
    internal static bool? ForceAlignment { get; set; } = EnvironmentSwitches.Current.ConvAlignment;

    /// <summary>Whether CPU convolutions here are run on aligned channels (the probe's verdict, run on first use).</summary>
    public static bool AlignsOnCpu => ForceAlignment ?? Probed.Value;

    /// <summary><paramref name="conv"/> applied to <paramref name="input"/>: (N, C, L), or (N, C, 1, L) as a 2-D
    /// convolution of height 1 (best in channels-last memory, which is kept; <see cref="ChannelsLastConv1d"/>), on
    /// aligned channels where this CPU needs them. Other devices run the plain convolution: the defect is oneDNN's,
    /// which only the CPU uses.</summary>
    public static Tensor Forward(Conv1d conv, Tensor input)
    {
        long stride = conv.stride?[0] ?? 1, padding = conv.padding?[0] ?? 0;
        if (input.device_type != DeviceType.CPU || !AlignsOnCpu) return Plain(conv.weight!, conv.bias, input, stride, padding);
        return Aligned(conv.weight!, conv.bias, input, stride, padding);
    }

    /// <summary>The convolution of (N, C, L) or (N, C, 1, L) <paramref name="input"/> by a 1-D <paramref name="weight"/>
    /// (O, C, k), as libtorch runs it.</summary>
    public static Tensor Plain(Tensor weight, Tensor? bias, Tensor input, long stride, long padding)
    {
        if (input.dim() == 3) return functional.conv1d(input, weight, bias, stride: stride, padding: padding);
        using var kernel = weight.unsqueeze(2);
        return functional.conv2d(input, kernel, bias, strides: [1, stride], padding: [0, padding]);
    }

    /// <summary>The convolution of (N, C, L) or (N, C, 1, L) <paramref name="input"/> by a 1-D
    /// <paramref name="weight"/> computed on channels padded to multiples of <see cref="Alignment"/>.</summary>
    public static Tensor Aligned(Tensor weight, Tensor? bias, Tensor input, long stride, long padding)
    {
        long outChannels = weight.shape[0];
        long extraIn = Extra(input.shape[1]);
        // The input gradient is itself a convolution over the output channels, so both sides are aligned.
        long extraOut = Extra(outChannels);
        if ((extraIn == 0 && extraOut == 0) || weight.shape[2] == 1) return Plain(weight, bias, input, stride, padding);
        long[] channelPad = input.dim() == 3 ? [0, 0, 0, extraIn] : [0, 0, 0, 0, 0, extraIn];
        using var paddedInput = extraIn == 0 ? input.alias() : functional.pad(input, channelPad);
        using var paddedWeight = functional.pad(weight, [0, 0, 0, extraIn, 0, extraOut]);
        using var output = Plain(paddedWeight, null, paddedInput, stride, padding);
        using var kept = extraOut == 0 ? output.alias() : output.narrow(1, 0, outChannels);
        if (bias is null) return kept.alias();
        using var column = input.dim() == 3 ? bias.reshape(1, -1, 1) : bias.reshape(1, -1, 1, 1);
        return kept.add(column, Torch.OwnedScalars.One);
    }

    private static long Extra(long channels) => (Alignment - channels % Alignment) % Alignment;
}
