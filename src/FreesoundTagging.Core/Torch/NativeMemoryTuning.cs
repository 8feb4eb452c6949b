using System.Runtime.InteropServices;
using FreesoundTagging.Runtime;

namespace FreesoundTagging.Torch;

/// <summary>
/// Keeps glibc from handing large blocks back to the OS between training steps.
/// </summary>
/// <remarks>
/// Each training step allocates tens of MB of activations afresh. With glibc's defaults those blocks come from
/// mmap and go back on free, so every step pays first-touch page faults again (~12 µs per 4 KiB page on these
/// VMs): a cnn_1d step at 64×3001×64 took ~3.3 s that way and ~0.6 s with mmap off and a large trim threshold.
/// This is the in-process equivalent of GLIBC_TUNABLES=glibc.malloc.mmap_max=0:glibc.malloc.trim_threshold=…,
/// applied before libtorch allocates anything.
/// </remarks>
public static partial class NativeMemoryTuning
{
    private const int M_TRIM_THRESHOLD = -1;
    private const int M_MMAP_MAX = -4;

    private static int _applied;

    /// <summary>True when the tuning is in force (Linux/glibc); false elsewhere or when disabled.</summary>
    public static bool IsApplied => Volatile.Read(ref _applied) == 1;

    /// <summary>
    /// Applies the tuning once per process. Set FREESOUND_MALLOC_TUNING=0 to keep glibc's defaults (for
    /// measuring the difference).
    /// </summary>
    public static bool Apply()
    {
        if (IsApplied) return true;
        if (!OperatingSystem.IsLinux()) return false;
        if (!EnvironmentSwitches.Current.MallocTuning) return false;
        try
        {
            bool ok = mallopt(M_MMAP_MAX, 0) == 1;
            ok &= mallopt(M_TRIM_THRESHOLD, int.MaxValue) == 1;
            if (ok) Volatile.Write(ref _applied, 1);
            return ok;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false; // not glibc (e.g. musl): nothing to tune
        }
    }

    [LibraryImport("libc", EntryPoint = "mallopt")]
    private static partial int mallopt(int param, int value);
}
