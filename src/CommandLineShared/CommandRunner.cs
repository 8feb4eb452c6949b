using System.CommandLine;

namespace FreesoundTagging.CommandLine;

/// <summary>
/// Runs a command's body and turns what can go wrong into one line on stderr and a named exit code: the
/// user sees which file is at fault, never a stack trace (set FREESOUND_DEBUG=1 to get one).
/// </summary>
internal static class CommandRunner
{
    public static int Invoke(RootCommand command, string[] args)
    {
        var parse = command.Parse(args);
        if (parse.Errors.Count > 0)
        {
            foreach (var error in parse.Errors) Error(error.Message);
            Console.Error.WriteLine($"Run '{command.Name} --help' for usage.");
            return ExitCodes.Usage;
        }
        return parse.Invoke(new InvocationConfiguration { EnableDefaultExceptionHandler = false });
    }

    /// <summary>Runs <paramref name="body"/> with Ctrl+C turned into cancellation of the token it receives.</summary>
    public static int Run(Func<CancellationToken, int> body)
    {
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
        catch (OperationCanceledException) when (interruption.Token.IsCancellationRequested)
        {
            Error("interrupted");
            return ExitCodes.Interrupted;
        }
        catch (Exception e) when (Environment.GetEnvironmentVariable("FREESOUND_DEBUG") != "1")
        {
            Error($"internal error ({e.GetType().Name}): {e.Message.Split('\n')[0]} - please report it; FREESOUND_DEBUG=1 shows details");
            return ExitCodes.InternalError;
        }
    }

    public static void Error(string message) => WriteLine(Console.Error, "error", "red", message);

    public static void Warning(string message) => WriteLine(Console.Error, "warning", "yellow", message);

    private static void WriteLine(TextWriter writer, string label, string colour, string message)
    {
        string line = message.ReplaceLineEndings(" ");
        if (Terminal.StderrIsInteractive) writer.WriteLine($"\u001b[{(colour == "red" ? 31 : 33)}m{label}:\u001b[0m {line}");
        else writer.WriteLine($"{label}: {line}");
    }
}

/// <summary>First Ctrl+C requests a graceful stop (the token is cancelled); a second one ends the process.</summary>
internal sealed class Interruption : IDisposable
{
    private readonly CancellationTokenSource _source = new();

    public Interruption() => Console.CancelKeyPress += OnCancel;

    public CancellationToken Token => _source.Token;

    private void OnCancel(object? sender, ConsoleCancelEventArgs e)
    {
        if (_source.IsCancellationRequested) return; // second Ctrl+C: let it terminate
        e.Cancel = true;
        Console.Error.WriteLine("stopping after the current step (Ctrl+C again to abort)...");
        _source.Cancel();
    }

    public void Dispose()
    {
        Console.CancelKeyPress -= OnCancel;
        _source.Dispose();
    }
}
