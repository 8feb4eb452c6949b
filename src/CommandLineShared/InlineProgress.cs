namespace FreesoundTagging.CommandLine;

/// <summary>Reports on the caller's thread: Progress&lt;T&gt; would post to the thread pool, out of order and late.</summary>
internal sealed class InlineProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
