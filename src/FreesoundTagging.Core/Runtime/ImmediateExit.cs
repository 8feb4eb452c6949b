using System.Runtime.InteropServices;

namespace FreesoundTagging.Runtime;

/// <summary>
/// Ends the process at once, for a second Ctrl+C or SIGTERM. Returning to .NET's default signal action instead runs
/// the managed shutdown (ProcessExit handlers, finalizers), which can wait on the very work being abandoned: a test
/// saw `inputs` hang for two minutes after a second SIGTERM.
/// </summary>
public static partial class ImmediateExit
{
    /// <summary>Exit status the shells use for death by a signal: 128 + its number (130 SIGINT, 143 SIGTERM).</summary>
    public static int StatusFor(PosixSignal signal) => signal == PosixSignal.SIGTERM ? 128 + 15 : 128 + 2;

    public static void Now(int status)
    {
        if (OperatingSystem.IsWindows()) Environment.Exit(status);
        else Exit(status);
    }

    [LibraryImport("libc", EntryPoint = "_exit")]
    private static partial void Exit(int status);
}
