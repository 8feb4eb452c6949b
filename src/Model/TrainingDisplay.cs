using FreesoundTagging.CommandLine;
using FreesoundTagging.Models;
using FreesoundTagging.Training;
using Spectre.Console;

namespace FreesoundTagging.Model;

/// <summary>A bar per epoch and one for the whole run on a terminal (fitting its width); one line per epoch
/// otherwise, with "epoch i/N", the time elapsed and the time left for the whole run.</summary>
internal static class TrainingDisplay
{
    /// <param name="runs">Models the run trains one after another (K with --folds, else 1).</param>
    /// <param name="work">Trains, telling the observer it is given.</param>
    /// <param name="runName">What each run is called in the progress lines ("fold", "member").</param>
    public static T Run<T>(int epochs, int runs, Func<ITrainingObserver, T> work, string runName = "fold")
    {
        var clock = new RunClock(epochs, runs);
        // Ensemble members may train side by side, each on a thread of its own that reports its own steps and
        // epochs: what is being trained is kept per thread.
        using var stage = new ThreadLocal<string>(() => "");
        using var run = new ThreadLocal<int>(() => -1);
        void Starting(int k, int n)
        {
            // A thread trains its runs one after another: the one it trained before is over.
            if (run.Value >= 0) clock.Finished(run.Value);
            run.Value = k;
            stage.Value = $"{runName} {k + 1}/{n} ";
        }
        // A single run is never announced: it is run 0.
        int Current() => Math.Max(run.Value, 0);
        if (!Terminal.StdoutIsInteractive)
            // Steps count too (RunClock): the "left" of members finishing epochs at one moment agree.
            return work(new Observer(
                (k, n) =>
                {
                    Starting(k, n);
                    Console.WriteLine($"{runName} {k + 1}/{n}");
                },
                (epoch, step) => Console.WriteLine(EpochLine.Resuming(stage.Value!, epoch, step)),
                Console.WriteLine,
                p => clock.EpochsDone(Current(), p.Epoch - 1 + p.Step / (double)Math.Max(p.Steps, 1)),
                e => Console.WriteLine(EpochLine.Plain(stage.Value!, e, epochs, clock.EpochDone(Current(), e)))));
        T result = default!;
        AnsiConsole.Progress().AutoClear(false).HideCompleted(false)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = EpochLine.BarWidth }, new PercentageColumn(), new ElapsedTimeColumn(), new RemainingTimeColumn())
            .Start(ctx =>
            {
                using var notices = ProgressDisplay.LiveNotices();
                var whole = ctx.AddTask(Markup.Escape(EpochLine.Fit("whole run", EpochLine.Budget(Width))), maxValue: (double)epochs * runs);
                using var bars = new ThreadLocal<(ProgressTask? Bar, int Epoch, int Run)>(() => (null, 0, -1));
                void Progress(TrainingProgress p)
                {
                    var (bar, barEpoch, barRun) = bars.Value;
                    if (bar is null || barEpoch != p.Epoch || barRun != Current())
                    {
                        bar?.StopTask();
                        bar = ctx.AddTask(Markup.Escape(EpochLine.Fit($"{stage.Value}epoch {p.Epoch}/{p.Epochs}", EpochLine.Budget(Width))), maxValue: p.Steps);
                        bars.Value = (bar, p.Epoch, Current());
                    }
                    bar.Value = p.Step;
                    bar.Description = Markup.Escape(EpochLine.Running(stage.Value!, p, EpochLine.Budget(Width)));
                    whole.Value = clock.EpochsDone(Current(), p.Epoch - 1 + p.Step / (double)Math.Max(p.Steps, 1));
                }
                result = work(new Observer(Starting, (epoch, step) => AnsiConsole.WriteLine(EpochLine.Resuming(stage.Value!, epoch, step)), AnsiConsole.WriteLine, Progress, e =>
                {
                    clock.EpochDone(Current(), e);
                    if (bars.Value.Bar is { } bar) bar.Description = Markup.Escape(EpochLine.Finished(stage.Value!, e, epochs, EpochLine.Budget(Width)));
                }));
                whole.Value = whole.MaxValue;
            });
        return result;
    }

    private static int Width => AnsiConsole.Profile.Width;

    /// <summary>The display's reactions, as the trainer's observer.</summary>
    private sealed class Observer(Action<int, int> runStarting, Action<int, int> resuming, Action<string> notice, Action<TrainingProgress> progress, Action<EpochRecord> epoch) : ITrainingObserver
    {
        public void OnNotice(string line) => notice(line);

        public void OnRunStarting(int run, int runs) => runStarting(run, runs);

        public void OnResuming(int epoch, int step) => resuming(epoch, step);

        public void OnProgress(TrainingProgress p) => progress(p);

        public void OnEpoch(EpochRecord e) => epoch(e);
    }
}
