using System.Diagnostics;
using System.Runtime.InteropServices;

namespace FreesoundTagging.Tests.Support;

/// <summary>
/// POSIX signals sent to a process from this one (libc's kill), in order, without starting a `kill` process and
/// waiting for it; and whether this test run ignores SIGINT (<see cref="InterruptIgnored"/>).
/// </summary>
internal static class Signals
{
    // Linux's numbers (PosixSignal's values are .NET's own, not these).
    public const int Interrupt = 2;
    public const int Kill = 9;
    public const int Terminate = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int SendSignal(int pid, int signal);

    /// <summary>
    /// Whether this process ignores SIGINT, as every process of a run started in the background does: a POSIX shell
    /// ignores SIGINT for the commands it runs asynchronously (`./build.sh test &amp;`), and children inherit it, so a
    /// command started from here would ignore Ctrl+C's signal too (CommandProcess starts commands with the default).
    /// </summary>
    public static bool InterruptIgnored { get; } = IgnoredMask() is { } mask && (mask & (1UL << (Interrupt - 1))) != 0;

    // /proc/self/status's SigIgn line: a hexadecimal mask, bit n - 1 for signal n.
    private static ulong? IgnoredMask()
    {
        const string path = "/proc/self/status";
        if (!File.Exists(path)) return null;
        string? line = File.ReadLines(path).FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal));
        return line is null ? null : Convert.ToUInt64(line["SigIgn:".Length..].Trim(), 16);
    }

    /// <summary>Sends each of <paramref name="signals"/> to <paramref name="process"/>, one after the other.</summary>
    public static void Send(Process process, params int[] signals)
    {
        for (int i = 0; i < signals.Length; i++)
        {
            // A signal sent while the same one is still pending is merged with it: a pause lets the process take each
            // one before the next, so a second Ctrl+C reaches it as a second.
            if (i > 0) Thread.Sleep(GapMs);
            if (process.HasExited) return;
            // A process the first signal already ended is gone (ESRCH): there is nothing left to signal.
            if (SendSignal(process.Id, signals[i]) != 0 && Marshal.GetLastPInvokeError() is int errno && errno != NoSuchProcess)
                throw new InvalidOperationException($"kill({process.Id}, {signals[i]}) failed: errno {errno}");
        }
    }

    private const int GapMs = 100;
    private const int NoSuchProcess = 3; // ESRCH
}
