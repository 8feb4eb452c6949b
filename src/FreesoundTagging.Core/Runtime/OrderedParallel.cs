namespace FreesoundTagging.Runtime;

/// <summary>
/// Maps items on several threads and yields the results in input order as soon as each is ready, with at most
/// <c>window</c> results in flight: the consumer (a file writer, say) works alongside the workers instead of
/// between batches, no worker waits for the slowest item of a batch, and memory stays bounded.
/// </summary>
public static class OrderedParallel
{
    public static IEnumerable<TResult> Map<T, TResult>(IReadOnlyList<T> items, int threads, int window, Func<T, TResult> work, CancellationToken cancel = default)
    {
        int count = items.Count;
        var results = new TaskCompletionSource<TResult>?[count];
        for (int i = 0; i < count; i++) results[i] = new TaskCompletionSource<TResult>(TaskCreationOptions.RunContinuationsAsynchronously);
        using var slots = new SemaphoreSlim(Math.Max(window, threads));
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancel);
        int next = -1;

        void Worker()
        {
            while (true)
            {
                try
                {
                    slots.Wait(stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
                int i = Interlocked.Increment(ref next);
                if (i >= count) return;
                try
                {
                    results[i]!.SetResult(work(items[i]));
                }
                catch (Exception e)
                {
                    results[i]!.SetException(e);
                }
            }
        }

        var workers = Enumerable.Range(0, Math.Max(1, threads)).Select(_ => Task.Factory.StartNew(Worker, TaskCreationOptions.LongRunning)).ToArray();
        try
        {
            for (int i = 0; i < count; i++)
            {
                cancel.ThrowIfCancellationRequested();
                TResult result = results[i]!.Task.GetAwaiter().GetResult();
                // Drop the slot: a completed task holds its result, and memory must not grow with the item count.
                results[i] = null;
                yield return result;
                // Only now is the consumer done with it, so the window counts the result being consumed too.
                slots.Release();
            }
        }
        finally
        {
            // Early exit (an error or the consumer stopping): let the workers finish their current item and quit.
            stop.Cancel();
            Task.WaitAll(workers);
        }
    }
}
