using System.Runtime.Intrinsics.X86;
using FreesoundTagging.Runtime;

namespace FreesoundTagging.Torch;

/// <summary>
/// Whether cnn_1d runs its convolutions as 2-D ones of height 1 on channels-last (N, C, 1, L) maps, or as conv1d on
/// (N, C, L). oneDNN reorders an (N, C, L) tensor into its blocked layout and back around every convolution and not
/// a channels-last one; with its AVX-512 kernels that made the padded training step 1.3x faster. With its AVX2
/// kernels (the same VM with DNNL_MAX_CPU_ISA=AVX2) the channels-last backward pass was 1.7x slower and the elided
/// step 1.2x slower, so there the (N, C, L) layout stays. Decided once per process: channels-last where this CPU has
/// AVX-512, oneDNN is not capped below it, and FREESOUND_CHANNELS_LAST is not 0. Only CPU tensors: other devices do
/// not run oneDNN. The figures: docs/performance.md.
/// </summary>
public static class ChannelsLastConv1d
{
    private static readonly bool Default = EnvironmentSwitches.Current.ChannelsLast && Avx512F.IsSupported && !IsaCappedBelowAvx512();

    /// <summary>Set by tests to take one layout; null: the CPU decides.</summary>
    internal static bool? Force { get; set; }

    public static bool Enabled => Force ?? Default;

    /// <summary>DNNL_MAX_CPU_ISA / ONEDNN_MAX_CPU_ISA (oneDNN reads the first set) caps oneDNN below AVX-512.</summary>
    private static bool IsaCappedBelowAvx512()
    {
        string? cap = Environment.GetEnvironmentVariable("ONEDNN_MAX_CPU_ISA");
        if (string.IsNullOrEmpty(cap)) cap = Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA");
        return CapsBelowAvx512(cap);
    }

    /// <summary>Whether a oneDNN ISA cap leaves AVX-512 out: oneDNN's own spellings below it (SSE41, AVX, AVX2,
    /// AVX2_VNNI...) do; unset, ALL, AVX512_... and AVX10_... do not.</summary>
    internal static bool CapsBelowAvx512(string? cap) =>
        !string.IsNullOrEmpty(cap) && !cap.Equals("ALL", StringComparison.OrdinalIgnoreCase)
        && !cap.StartsWith("AVX512", StringComparison.OrdinalIgnoreCase) && !cap.StartsWith("AVX10", StringComparison.OrdinalIgnoreCase);
}
