using System.Runtime.InteropServices;

namespace FreesoundTagging.Runtime;

/// <summary>
/// Keeps libtorch's oneDNN convolutions off the AVX/AVX2/AVX-512 kernels, which give wrong results here.
/// </summary>
/// <remarks>
/// With libtorch 2.10 (CPU) on these AMD EPYC VMs, conv1d 100→150 (k=5) and 150→200 (k=3) through oneDNN
/// differed from an im2col matmul by ~15% of the output scale (64→100, k=7 was exact). DNNL_MAX_CPU_ISA=SSE41
/// makes them exact (≤ 1e-6) and makes the model match the PyTorch reference goldens; AVX, AVX2 and AVX512_CORE
/// were all still wrong. oneDNN reads the variable with getenv when it first runs, so it must be set in the
/// native environment (Environment.SetEnvironmentVariable is not visible to native code on Linux) before any
/// tensor operation. A value the user already set is left alone.
/// </remarks>
public static partial class OneDnnWorkaround
{
    public const string Variable = "DNNL_MAX_CPU_ISA";
    public const string SafeIsa = "SSE41";

    /// <summary>Sets DNNL_MAX_CPU_ISA=SSE41 unless already set. Returns the value in force.</summary>
    public static string? Apply()
    {
        string? existing = Environment.GetEnvironmentVariable(Variable);
        if (!string.IsNullOrEmpty(existing) || !OperatingSystem.IsLinux()) return existing;
        try
        {
            if (setenv(Variable, SafeIsa, 0) != 0) return null;
            Environment.SetEnvironmentVariable(Variable, SafeIsa);
            return SafeIsa;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}
