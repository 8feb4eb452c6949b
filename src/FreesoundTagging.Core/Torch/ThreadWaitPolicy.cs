using System.Runtime.InteropServices;
using FreesoundTagging.Runtime;

namespace FreesoundTagging.Torch;

/// <summary>
/// Has libtorch's OpenMP threads sleep instead of spin while they wait for work (OMP_WAIT_POLICY=PASSIVE), unless
/// the user set a policy.
/// </summary>
/// <remarks>
/// Spinning pays off only when every thread owns a core. These VMs are shared (load averages of 12-19 on 2 cores
/// while others build), and there a spinning thread burns the time slice the thread it waits for needs: training
/// steps, the elided one above all (many small calls), ran several times slower spinning than waiting passively
/// (docs/performance.md, "passive OpenMP waiting", has the figures). libgomp reads the variable once,
/// when it is loaded, so this must run before libtorch is. .NET's Environment.SetEnvironmentVariable does not
/// reach native code, hence setenv.
/// </remarks>
public static partial class ThreadWaitPolicy
{
    public const string Variable = "OMP_WAIT_POLICY";

    /// <summary>Sets OMP_WAIT_POLICY=PASSIVE for the native side unless it is set; FREESOUND_OMP_PASSIVE=0 keeps libgomp's default.</summary>
    public static void Apply()
    {
        if (!OperatingSystem.IsLinux() || !EnvironmentSwitches.Current.PassiveThreadWait) return;
        if (Environment.GetEnvironmentVariable(Variable) is not null) return;
        try
        {
            setenv(Variable, "PASSIVE", 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // no libc setenv: leave the default
        }
    }

    [LibraryImport("libc", EntryPoint = "setenv", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int setenv(string name, string value, int overwrite);
}
