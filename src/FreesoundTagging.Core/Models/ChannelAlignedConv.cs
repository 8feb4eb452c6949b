using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FreesoundTagging.Models;

/// <summary>
/// Runs a Conv1d with its input and output channels zero-padded to multiples of 16 (the weight padded to
/// match, the extra outputs dropped), which is the same convolution: the extra channels are zero throughout.
/// </summary>
/// <remarks>
/// Why: libtorch 2.10's oneDNN conv1d kernels for AVX2 and wider return wrong values (errors ~20% of the output
/// scale) when a channel count is not a multiple of 16 and the kernel is wider than 1, as for conv2
/// (100 channels) and conv3 (150) here; measured on the AMD EPYC (AVX-512) VMs this project runs on, against an
/// unfold + matmul reference. Capping oneDNN at SSE4.1 (DNNL_MAX_CPU_ISA) also fixes it but makes a training
/// step 4.7x slower, and disabling oneDNN 3-5x; padding costs ~10-20% more conv work. The parameter shapes (and so
/// model files) are unchanged. Covered by ChannelAlignedConvTests.
/// </remarks>
public static class ChannelAlignedConv
{
    public const int Alignment = 16;

    /// <summary><paramref name="conv"/> applied to <paramref name="input"/> (N, C, L), computed on aligned channels.</summary>
    public static Tensor Forward(Conv1d conv, Tensor input)
    {
        Tensor weight = conv.weight!;
        long outChannels = weight.shape[0];
        long extraIn = Extra(input.shape[1]);
        // The input gradient is itself a convolution over the output channels, so both sides are aligned.
        long extraOut = Extra(outChannels);
        if ((extraIn == 0 && extraOut == 0) || weight.shape[2] == 1) return conv.forward(input);
        using var paddedInput = extraIn == 0 ? input.alias() : functional.pad(input, [0, 0, 0, extraIn]);
        using var paddedWeight = functional.pad(weight, [0, 0, 0, extraIn, 0, extraOut]);
        using var output = functional.conv1d(paddedInput, paddedWeight, null, stride: conv.stride?[0] ?? 1, padding: conv.padding?[0] ?? 0);
        using var kept = extraOut == 0 ? output.alias() : output.narrow(1, 0, outChannels);
        return conv.bias is null ? kept.alias() : kept.add(conv.bias.reshape(1, -1, 1), Runtime.OwnedScalars.One);
    }

    private static long Extra(long channels) => (Alignment - channels % Alignment) % Alignment;
}
