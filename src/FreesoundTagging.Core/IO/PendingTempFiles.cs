using System.Collections.Concurrent;

namespace FreesoundTagging.IO;

/// <summary>
/// The temporary files of <see cref="AtomicFile"/>s not yet committed or disposed, so that a process told to die
/// at once (a second Ctrl+C or SIGTERM) can delete them first instead of leaving .tmp files behind.
/// </summary>
public static class PendingTempFiles
{
    private static readonly ConcurrentDictionary<string, byte> Paths = new(StringComparer.Ordinal);

    internal static void Add(string path) => Paths.TryAdd(path, 0);

    internal static void Remove(string path) => Paths.TryRemove(path, out _);

    /// <summary>The temporary files open right now.</summary>
    public static IReadOnlyCollection<string> Current => Paths.Keys.ToList();

    /// <summary>Deletes every pending temporary file (best effort; the process is about to end).</summary>
    public static void DeleteAll()
    {
        foreach (string path in Paths.Keys)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
            Paths.TryRemove(path, out _);
        }
    }
}
