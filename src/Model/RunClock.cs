using FreesoundTagging.Models;

namespace FreesoundTagging.Model;

/// <summary>Elapsed time and the time left for the whole run (all folds or members), from the epochs this process ran.</summary>
/// <remarks>Runs may overlap (ensemble members trained side by side), so the rate is the wall clock's per epoch, and
/// every run's part-done epoch counts (its steps): members finishing an epoch at one moment then give one estimate,
/// not one that jumps by a whole epoch from member to member.</remarks>
internal sealed class RunClock(int epochs, int runs, Func<TimeSpan>? now = null)
{
    private readonly System.Diagnostics.Stopwatch _clock = System.Diagnostics.Stopwatch.StartNew();
    private readonly object _gate = new();
    // Epochs each run has finished, fractional while one is under way; and where each stood when this process first
    // saw it (a resumed run's earlier epochs took no time here). NaN: not seen yet.
    private readonly double[] _done = new double[runs];
    private readonly double[] _start = Enumerable.Repeat(double.NaN, runs).ToArray();

    private TimeSpan Now => now?.Invoke() ?? _clock.Elapsed;

    /// <summary>Run <paramref name="finished"/> is over (it ran all its epochs, stopped early, or was found finished on resuming).</summary>
    public void Finished(int finished)
    {
        lock (_gate)
        {
            // What it skipped (stopping early, or finished before this process) took no time here.
            _start[finished] = double.IsNaN(_start[finished]) ? epochs : _start[finished] + (epochs - _done[finished]);
            _done[finished] = epochs;
        }
    }

    /// <summary>Epochs of the whole run done once run <paramref name="run"/> stands at <paramref name="epochsOfRun"/>.</summary>
    public double EpochsDone(int run, double epochsOfRun)
    {
        lock (_gate)
        {
            Stand(run, epochsOfRun);
            return _done.Sum();
        }
    }

    /// <summary>(elapsed, left) after <paramref name="e"/> of run <paramref name="run"/>; left assumes every remaining epoch runs (early stopping may end sooner).</summary>
    public (TimeSpan Elapsed, TimeSpan Left) EpochDone(int run, EpochRecord e)
    {
        lock (_gate)
        {
            if (double.IsNaN(_start[run])) _start[run] = e.Epoch - 1;
            _done[run] = e.Epoch;
            double remaining = Math.Max(0, (double)epochs * runs - _done.Sum());
            double progressed = Enumerable.Range(0, runs).Where(r => !double.IsNaN(_start[r])).Sum(r => _done[r] - _start[r]);
            var elapsed = Now;
            return (elapsed, TimeSpan.FromSeconds(progressed > 0 ? remaining * elapsed.TotalSeconds / progressed : 0));
        }
    }

    private void Stand(int run, double epochsOfRun)
    {
        if (double.IsNaN(_start[run])) _start[run] = Math.Floor(epochsOfRun);
        _done[run] = Math.Max(_done[run], epochsOfRun);
    }
}
