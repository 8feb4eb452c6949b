using FreesoundTagging.Runtime;
using Xunit;

namespace FreesoundTagging.Tests.Runtime;

public class OrderedParallelTests
{
    [Fact]
    public void ResultsComeInInputOrderWhateverTheFinishingOrder()
    {
        var items = Enumerable.Range(0, 200).ToArray();
        var results = OrderedParallel.Map(items, threads: 4, window: 16, i =>
        {
            Thread.SpinWait((200 - i) * 500); // later items finish sooner
            return i * 2;
        }).ToList();
        Assert.Equal(items.Select(i => i * 2), results);
    }

    [Fact]
    public void NoMoreThanTheWindowIsInFlight()
    {
        int inFlight = 0, most = 0;
        var gate = new object();
        foreach (int _ in OrderedParallel.Map(Enumerable.Range(0, 300).ToArray(), threads: 4, window: 6, i =>
        {
            lock (gate) most = Math.Max(most, ++inFlight);
            return i;
        }))
        {
            Thread.Sleep(0);
            lock (gate) inFlight--;
        }
        Assert.InRange(most, 1, 6);
    }

    [Fact]
    public void AnItemsExceptionSurfacesAtItsTurn()
    {
        var seen = new List<int>();
        var e = Assert.Throws<InvalidOperationException>(() =>
        {
            foreach (int r in OrderedParallel.Map(Enumerable.Range(0, 50).ToArray(), 3, 8, i => i == 20 ? throw new InvalidOperationException("boom") : i))
                seen.Add(r);
        });
        Assert.Equal("boom", e.Message);
        Assert.Equal(Enumerable.Range(0, 20), seen);
    }

    [Fact]
    public void StoppingEarlyStopsTheWorkers()
    {
        int started = 0;
        var first = OrderedParallel.Map(Enumerable.Range(0, 10_000).ToArray(), 2, 4, i =>
        {
            Interlocked.Increment(ref started);
            return i;
        }).Take(5).ToList();
        int afterStop = Volatile.Read(ref started);
        Thread.Sleep(50);
        Assert.Equal(new[] { 0, 1, 2, 3, 4 }, first);
        Assert.Equal(afterStop, Volatile.Read(ref started));
        Assert.True(afterStop < 100);
    }
}
