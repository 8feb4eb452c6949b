using System.Diagnostics;
using Spectre.Console;

namespace FreesoundTagging.CommandLine;

/// <summary>
/// Shows a long job's progress: a Spectre.Console bar (with rate and ETA) on a terminal, and when output is
/// redirected one plain line at most every few seconds, so logs stay readable.
/// </summary>
internal static class ProgressDisplay
{
    /// <summary>Runs <paramref name="work"/>, giving it a callback to report (done, total, suffix).</summary>
    /// <param name="unit">What done and total count, for the plain lines ("audio-s"); null: items.</param>
    public static T Run<T>(string description, Func<Action<double, double, string>, T> work, string? unit = null)
    {
        if (!Terminal.StdoutIsInteractive) return RunPlain(description, work, unit);
        T result = default!;
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(ctx =>
            {
                using var notices = LiveNotices();
                var task = ctx.AddTask(Markup.Escape(description), maxValue: 1);
                result = work((done, total, suffix) =>
                {
                    task.MaxValue = Math.Max(total, 1);
                    task.Value = done;
                    task.Description = Markup.Escape($"{description} {suffix}");
                });
                task.Value = task.MaxValue;
            });
        return result;
    }

    /// <summary>Routes Ctrl+C's notice through the live display until disposed (see <see cref="Interruption.LiveNotice"/>).</summary>
    public static IDisposable LiveNotices()
    {
        Interruption.LiveNotice = line => AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(line)}[/]");
        return new Restore();
    }

    private sealed class Restore : IDisposable
    {
        public void Dispose() => Interruption.LiveNotice = null;
    }

    private static T RunPlain<T>(string description, Func<Action<double, double, string>, T> work, string? unit)
    {
        var clock = Stopwatch.StartNew();
        // The first line after 5 s too: a short run (or one that fails early) prints only its result or its error.
        var last = TimeSpan.Zero;
        return work((done, total, suffix) =>
        {
            bool finished = done >= total;
            if (!finished && clock.Elapsed - last < TimeSpan.FromSeconds(5)) return;
            last = clock.Elapsed;
            string eta = done > 0 && !finished ? $", ETA {Terminal.Duration(TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds * (total - done) / done))}" : "";
            string of = unit is null ? "" : $" {unit}";
            Console.Error.WriteLine($"{description}: {done:0}/{total:0}{of} ({100 * done / Math.Max(total, 1e-9):0}%) {suffix}{eta}");
        });
    }
}
