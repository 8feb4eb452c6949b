namespace FreesoundTagging.IO;

/// <summary>
/// An advisory lock per output (a hidden ".name.lock" file beside it, held with flock through FileShare.None), so
/// two runs writing the same output at once do not interleave their renames: the second is refused with a
/// clear message. The lock dies with its process, so a killed run never blocks the next one; the lock file is
/// deleted when the run ends.
/// </summary>
public sealed class OutputLock : IDisposable
{
    private readonly List<(string Path, FileStream Stream)> _held = [];

    private OutputLock()
    {
    }

    /// <exception cref="InvalidInputException">Another run holds the lock of one of <paramref name="outputs"/>.</exception>
    public static OutputLock Acquire(IEnumerable<string> outputs)
    {
        var locks = new OutputLock();
        try
        {
            foreach (string output in outputs.Distinct()) locks.Take(output);
            return locks;
        }
        catch
        {
            locks.Dispose();
            throw;
        }
    }

    private void Take(string output)
    {
        string full = Path.GetFullPath(output);
        string path = Path.Combine(Path.GetDirectoryName(full)!, $".{Path.GetFileName(full)}.lock");
        // A holder deletes the file when it finishes: if that happened between our open and our lock, we hold a
        // lock on a deleted file, so check that the name still leads to what we locked, and try again if not.
        for (int attempt = 0; attempt < 10; attempt++)
        {
            FileStream stream;
            try
            {
                stream = new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException e) when (IsSharingViolation(e))
            {
                throw new InvalidInputException($"another run is writing this output right now ({Path.GetFileName(path)} is locked); wait for it to finish or choose another output path", output, e);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return; // a missing or read-only folder: writing the output itself reports it, in its own words
            }
            var opened = FileStatus.Of(stream.SafeFileHandle);
            var named = FileStatus.Of(path);
            if (named.Exists && named.Device == opened.Device && named.Inode == opened.Inode)
            {
                _held.Add((path, stream));
                // A second Ctrl+C/SIGTERM ends the process without disposing: it deletes the lock file with the temp files.
                PendingTempFiles.Add(path);
                return;
            }
            stream.Dispose();
        }
    }

    // flock's EWOULDBLOCK (errno 11 on Linux, which .NET puts in HResult), or Windows' ERROR_SHARING_VIOLATION.
    private static bool IsSharingViolation(IOException e) => e.HResult == 11 || (e.HResult & 0xFFFF) == 32;

    public void Dispose()
    {
        foreach (var (path, stream) in _held)
        {
            try
            {
                File.Delete(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
            PendingTempFiles.Remove(path);
            stream.Dispose();
        }
        _held.Clear();
    }
}
