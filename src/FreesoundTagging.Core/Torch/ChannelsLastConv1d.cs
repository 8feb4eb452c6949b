using System.Runtime.Intrinsics.X86;
using FreesoundTagging.Runtime;

namespace FreesoundTagging.Torch;

/// <summary>
/// Whether cnn_1d runs its convolutions as 2-D ones of height 1 on channels-last (N, C, 1, L) maps, or as conv1d on
/// (N, C, L). oneDNN reorders an (N, C, L) tensor into its blocked layout and back around every convolution and not
/// a channels-last one; with its AVX-512 kernels that made the padded training step 1.3x faster. With its AVX2
/// kernels (the same VM with DNNL_MAX_CPU_ISA=AVX2) the channels-last backward pass was 1.7x slower and the elided
/// step 1.2x slower, so there the (N, C, L) layout stays. Decided once per process: channels-last where this CPU has
/// AVX-512, oneDNN is not capped below it, and FREESOUND_CHANNELS_LAST is not 0. The figures: docs/performance.md.
/// </summary>
public static class ChannelsLastConv1d
{
    private static readonly bool Default = EnvironmentSwitches.Current.ChannelsLast && Avx512F.IsSupported && !IsaCappedBelowAvx512();

    /// <summary>Set by tests to take one layout; null: the CPU decides.</summary>
    internal static bool? Force { get; set; }

    public static bool Enabled => Force ?? Default;

    /// <summary>DNNL_MAX_CPU_ISA / ONEDNN_MAX_CPU_ISA set to an ISA below AVX-512 (oneDNN's own spellings: SSE41, AVX,
    /// AVX2, AVX2_VNNI...; ALL or an AVX512_... value leaves AVX-512 in).</summary>
    private static bool IsaCappedBelowAvx512()
    {
        foreach (var name in new[] { "ONEDNN_MAX_CPU_ISA", "DNNL_MAX_CPU_ISA" })
        {
            string? cap = Environment.GetEnvironmentVariable(name);
            if (!string.IsNullOrEmpty(cap))
                return !cap.Equals("ALL", StringComparison.OrdinalIgnoreCase) && !cap.StartsWith("AVX512", StringComparison.OrdinalIgnoreCase)
                    && !cap.StartsWith("AVX10", StringComparison.OrdinalIgnoreCase);
        }
        return false;
    }
}
