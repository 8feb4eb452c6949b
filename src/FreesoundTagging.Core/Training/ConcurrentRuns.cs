using System.Runtime.ExceptionServices;

namespace FreesoundTagging.Training;

/// <summary>
/// Runs jobs 0 … count − 1 on <c>width</c> threads of their own, each thread taking the next job in order, and
/// returns their results by index. The first job to fail stops the others through their cancellation token
/// (they save what they have, as on Ctrl+C) and its exception is rethrown once all have stopped.
/// </summary>
internal static class ConcurrentRuns
{
    // Dedicated threads rather than the thread pool: each job holds its thread for minutes, and libtorch's
    // per-thread settings (the intra-op thread count) are set by the job on the thread it runs on.
    private const int StackBytes = 16 << 20;

    /// <param name="starting">Told (k, count) on the thread that is about to run job k, before it starts.</param>
    public static T[] Run<T>(int count, int width, Func<int, CancellationToken, T> job, Action<int, int>? starting, CancellationToken cancel)
    {
        var results = new T[count];
        var gate = new object();
        int next = 0;
        ExceptionDispatchInfo? failure = null;
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        void Work()
        {
            while (true)
            {
                int k;
                lock (gate)
                {
                    if (stop.IsCancellationRequested || next >= count) return;
                    k = next++;
                    starting?.Invoke(k, count);
                }
                try
                {
                    results[k] = job(k, stop.Token);
                }
                catch (OperationCanceledException) when (stop.IsCancellationRequested)
                {
                    return;
                }
                catch (Exception e)
                {
                    lock (gate) failure ??= ExceptionDispatchInfo.Capture(e);
                    stop.Cancel();
                    return;
                }
            }
        }
        var threads = Enumerable.Range(0, Math.Clamp(width, 1, count)).Select(i => new Thread(Work, StackBytes) { IsBackground = true, Name = $"run {i + 1}" }).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        failure?.Throw();
        cancel.ThrowIfCancellationRequested();
        return results;
    }
}
