using System.Diagnostics;
using Xunit;

namespace FreesoundTagging.Tests.Support;

/// <summary>The built commands (inputs, model, predict, copied beside the tests) run as real processes.</summary>
internal static class CommandProcess
{
    public sealed record Result(int Exit, string Out, string Err, bool TimedOut);

    /// <summary>
    /// Starts <paramref name="command"/> with its output redirected and drained; each stderr line is added to
    /// <paramref name="stderr"/> when given. An <paramref name="environment"/> value of null removes that variable.
    /// </summary>
    public static Process Start(string command, IEnumerable<string> args, string? workDir = null,
        IReadOnlyDictionary<string, string?>? environment = null, List<string>? stderr = null)
    {
        var info = Info(command, args, workDir, environment);
        var process = Process.Start(info)!;
        if (stderr is not null) process.ErrorDataReceived += (_, e) => { lock (stderr) stderr.Add(e.Data ?? ""); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    /// <summary>Waits for a started command and returns its exit code.</summary>
    public static int Finish(Process p)
    {
        Assert.True(p.WaitForExit(120_000), "process did not finish");
        // The timed wait returns at exit; only the untimed one also waits until the redirected output has been
        // read to its end, so a handler has seen the last stderr line (a flaky "--resume not found" otherwise).
        p.WaitForExit();
        return p.ExitCode;
    }

    /// <summary>Runs <paramref name="command"/> to the end; kills it after <paramref name="timeout"/> (a hang is a failure).</summary>
    public static Result Run(string command, TimeSpan timeout, params string[] args) => Run(command, args, timeout);

    public static Result Run(string command, IEnumerable<string> args, TimeSpan timeout, string? workDir = null, IReadOnlyDictionary<string, string?>? environment = null)
    {
        using var p = Process.Start(Info(command, args, workDir, environment))!;
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        bool done = p.WaitForExit(timeout);
        if (!done) p.Kill(entireProcessTree: true);
        p.WaitForExit();
        return new Result(done ? p.ExitCode : -1, stdout.Result, stderr.Result, !done);
    }

    /// <summary>
    /// How to start a command as a terminal would: with SIGINT handled by default even when this test run ignores it
    /// (<see cref="Signals.InterruptIgnored"/>: started in the background), through coreutils'
    /// <c>env --default-signal=INT</c>, which then becomes the command (the same process id).
    /// </summary>
    private static ProcessStartInfo Info(string command, IEnumerable<string> args, string? workDir, IReadOnlyDictionary<string, string?>? environment)
    {
        string path = Path.Combine(AppContext.BaseDirectory, command);
        var info = Signals.InterruptIgnored ? new ProcessStartInfo("env") { ArgumentList = { "--default-signal=INT", path } } : new ProcessStartInfo(path);
        info.RedirectStandardOutput = true;
        info.RedirectStandardError = true;
        if (workDir is not null) info.WorkingDirectory = workDir;
        foreach (string a in args) info.ArgumentList.Add(a);
        foreach (var (name, value) in environment ?? new Dictionary<string, string?>())
        {
            if (value is null) info.Environment.Remove(name);
            else info.Environment[name] = value;
        }
        return info;
    }
}
