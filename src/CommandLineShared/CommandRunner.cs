using System.CommandLine;
using System.CommandLine.Parsing;
using System.Runtime.InteropServices;
using FreesoundTagging.Runtime;
using FreesoundTagging.Torch;

namespace FreesoundTagging.CommandLine;

/// <summary>
/// Runs a command's body and turns what can go wrong into one line on stderr and a named exit code: the
/// user sees which file is at fault, never a stack trace (set FREESOUND_DEBUG=1 to get one).
/// </summary>
internal static partial class CommandRunner
{
    public static int Invoke(RootCommand command, string[] args)
    {
        var parse = command.Parse(args);
        // An option the command does not have would otherwise be taken as a file path (and blamed on the path
        // after it); saying which option is unknown is the one useful message.
        var unknown = UnknownOptions(parse);
        var errors = unknown.Count > 0
            ? unknown.Select(u => $"unknown option '{u}'{Suggestions.DidYouMean(u, OptionNames(parse))}").ToList()
            : parse.Errors.Select(e => OptionRules.Plain(e.Message)).Distinct().ToList();
        if (errors.Count > 0)
        {
            foreach (var error in errors) Error(error);
            Console.Error.WriteLine($"Run '{command.Name} --help' for usage.");
            return ExitCodes.Usage;
        }
        return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    /// <summary>Every option name and alias of the command being parsed (and its parents'), for "did you mean".</summary>
    private static IEnumerable<string> OptionNames(ParseResult parse)
    {
        for (var result = parse.CommandResult; result is not null; result = result.Parent as CommandResult)
            foreach (var option in result.Command.Options)
                foreach (string name in option.Aliases.Prepend(option.Name).Where(n => n.StartsWith("--", StringComparison.Ordinal)))
                    yield return name;
    }

    /// <summary>Values that look like options ("--bogus", "-x"): the parser took them as a file path or as another
    /// option's value. "-" alone and negative numbers are values.</summary>
    private static List<string> UnknownOptions(ParseResult parse)
    {
        var unknown = new List<string>();
        foreach (string v in parse.Tokens.Where(t => t.Type == TokenType.Argument).Select(t => t.Value).Concat(parse.UnmatchedTokens))
        {
            if (v.Length > 1 && v[0] == '-' && !double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out _) && !unknown.Contains(v))
                unknown.Add(v);
        }
        return unknown;
    }

    /// <summary>Runs <paramref name="body"/> with Ctrl+C turned into cancellation of the token it receives.</summary>
    public static int Run(Func<CancellationToken, int> body)
    {
        AnnounceDevices();
        using var interruption = new Interruption();
        try
        {
            return body(interruption.Token);
        }
        catch (InvalidInputException e)
        {
            Error(e.Message);
            return ExitCodes.InvalidInput;
        }
        catch (IOException e) when (IsDiskFull(e))
        {
            // Every output goes through a temporary file, so nothing is left under a final name.
            Error($"write failed ({e.Message.Trim()})");
            return ExitCodes.InvalidInput;
        }
        catch (OperationCanceledException) when (interruption.Token.IsCancellationRequested)
        {
            Error("interrupted");
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (IsOutOfAddressSpace(e) && AddressSpaceLimit() is { } limit)
        {
            // Under `ulimit -v`, libtorch fails to load (its mappings do not fit) or to allocate: the limit, not a bug.
            string what = e is OutOfMemoryException or ExternalException ? "out of memory" : "libtorch (LibTorchSharp) could not be loaded";
            Error(FormattableString.Invariant($"{what} under the address-space limit (ulimit -v: {limit / 1073741824.0:0.#} GiB): libtorch reserves several GiB of address space; raise the limit (ulimit -v unlimited; 6 GiB ran the shipped models)"));
            return ExitCodes.InvalidInput;
        }
        catch (Exception e) when (!EnvironmentSwitches.Current.Debug)
        {
            Error($"internal error ({e.GetType().Name}): {e.Message.Split('\n')[0]} - please report it; FREESOUND_DEBUG=1 shows details");
            return ExitCodes.InternalError;
        }
    }

    /// <summary>The failures seen under a small `ulimit -v`: LibTorchSharp cannot be loaded, .NET or libtorch cannot allocate.</summary>
    private static bool IsOutOfAddressSpace(Exception e) =>
        e is OutOfMemoryException
        || (e is DllNotFoundException or TypeInitializationException && e.ToString().Contains("LibTorchSharp", StringComparison.Ordinal))
        || (e is ExternalException && e.Message.Contains("can't allocate memory", StringComparison.Ordinal));

    /// <summary>The process's address-space limit (RLIMIT_AS) in bytes, or null when there is none.</summary>
    internal static long? AddressSpaceLimit()
    {
        try
        {
            // "Max address space   unlimited   unlimited   bytes"
            string? line = File.ReadLines("/proc/self/limits").FirstOrDefault(l => l.StartsWith("Max address space", StringComparison.Ordinal));
            string[]? fields = line?["Max address space".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return fields is { Length: > 0 } && long.TryParse(fields[0], out long soft) ? soft : null;
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static bool IsDiskFull(IOException e) =>
        e.HResult is 28 or 112 or unchecked((int)0x80070070) || e.Message.Contains("No space left", StringComparison.OrdinalIgnoreCase) || e.Message.Contains("quota", StringComparison.OrdinalIgnoreCase);

    /// <summary>The first status line of a run that computes: the device and the libtorch build, as the core
    /// resolves --device (after the inputs were checked), and the warning of an "auto" that settled for the CPU.</summary>
    private static void AnnounceDevices()
    {
        Torch.ComputeDevice.AnnounceAgain();
        Torch.ComputeDevice.Chosen = device =>
        {
            Status($"device: {device.Description}");
            if (device.Warning is { } warning) Warning(warning);
        };
    }

    /// <summary>A status line: above the live progress display on a terminal, else on stderr (stdout is for results).</summary>
    public static void Status(string message)
    {
        if (Terminal.StdoutIsInteractive) Spectre.Console.AnsiConsole.WriteLine(Shorten(message));
        else Console.Error.WriteLine(Shorten(message));
    }

    public static void Error(string message) => WriteLine(Console.Error, "error", "red", message);

    public static void Warning(string message) => WriteLine(Console.Error, "warning", "yellow", message);

    /// <summary>Elides the middle of any word longer than 160 characters (a 5 MB fname must not fill the screen).</summary>
    internal static string Shorten(string line) =>
        LongWord().Replace(line, m => $"{m.Value[..80]}...({m.Value.Length - 120} characters)...{m.Value[^40..]}");

    [System.Text.RegularExpressions.GeneratedRegex(@"\S{161,}")]
    private static partial System.Text.RegularExpressions.Regex LongWord();

    private static void WriteLine(TextWriter writer, string label, string colour, string message)
    {
        string line = Shorten(message.ReplaceLineEndings(" "));
        if (Terminal.StderrIsInteractive) writer.WriteLine($"\u001b[{(colour == "red" ? 31 : 33)}m{label}:\u001b[0m {line}");
        else writer.WriteLine($"{label}: {line}");
    }
}

/// <summary>
/// The first Ctrl+C or SIGTERM (what schedulers and <c>docker stop</c> send) requests a graceful stop: the token
/// is cancelled and the command saves what it can. A second one ends the process at once, after deleting the
/// temporary files of outputs still being written, so nothing half-written is left behind either way.
/// </summary>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _source = new();
    private readonly PosixSignalRegistration[] _registrations;

    public Interruption() => _registrations = [PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal), PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal)];

    public CancellationToken Token => _source.Token;

    /// <summary>Set while a live display (progress bars) draws on the terminal: the stop notice then goes through the
    /// display, above its bars. Written straight to the terminal it lands inside the bars, which redraw over and
    /// around it (a second "whole run" line, "^Csto…").</summary>
    public static volatile Action<string>? LiveNotice;

    /// <summary>The first signal's notice ("stopping after the current step ...").</summary>
    internal static string Notice(PosixSignal signal) =>
        $"{(signal == PosixSignal.SIGTERM ? "SIGTERM received: stopping" : "stopping")} after the current step (Ctrl+C again to abort)...";

    private void OnSignal(PosixSignalContext context)
    {
        if (_source.IsCancellationRequested)
        {
            // Second signal: end now, once the temporary files are gone.
            IO.PendingTempFiles.DeleteAll();
            Runtime.ImmediateExit.Now(Runtime.ImmediateExit.StatusFor(context.Signal));
            return;
        }
        context.Cancel = true;
        string notice = Notice(context.Signal);
        if (LiveNotice is { } live) live(notice);
        else Console.Error.WriteLine(notice);
        _source.Cancel();
    }

    public void Dispose()
    {
        foreach (var registration in _registrations) registration.Dispose();
        _source.Dispose();
    }
}
