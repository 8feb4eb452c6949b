namespace FreesoundTagging.IO;

/// <summary>
/// A file written under a temporary name beside its destination and renamed into place only on
/// <see cref="Commit"/>, so a crash, a kill or a full disk never leaves a half-written file under the final name.
/// Disposing without committing deletes the temporary file.
/// </summary>
public sealed class AtomicFile : IDisposable
{
    private bool _committed;

    private AtomicFile(string finalPath, FileStream stream, string tempPath)
    {
        FinalPath = finalPath;
        Stream = stream;
        TempPath = tempPath;
    }

    public string FinalPath { get; }

    public string TempPath { get; }

    public FileStream Stream { get; }

    /// <summary>Opens a temporary file in the destination's folder (same file system, so the rename is atomic).</summary>
    /// <exception cref="InvalidInputException">The folder does not exist or cannot be written.</exception>
    public static AtomicFile Create(string finalPath, int bufferSize = 1 << 16)
    {
        string full = Path.GetFullPath(finalPath);
        string dir = Path.GetDirectoryName(full)!;
        if (!Directory.Exists(dir)) throw new InvalidInputException("output folder does not exist", dir);
        if (Directory.Exists(full)) throw new InvalidInputException("output path is a folder, expected a file", full);
        string temp = Path.Combine(dir, $".{Path.GetFileName(full)}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        try
        {
            var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, bufferSize);
            PendingTempFiles.Add(temp);
            return new AtomicFile(full, stream, temp);
        }
        catch (Exception e) when (e is UnauthorizedAccessException or IOException)
        {
            throw new InvalidInputException($"cannot write here ({e.Message})", dir, e);
        }
    }

    /// <summary>Flushes to disk and renames over the destination (replacing an older file of that name).</summary>
    /// <exception cref="InvalidInputException">The data could not be written (for example, the disk is full).</exception>
    public void Commit()
    {
        try
        {
            Stream.Flush(flushToDisk: true);
            Stream.Dispose();
            File.Move(TempPath, FinalPath, overwrite: true);
            _committed = true;
            PendingTempFiles.Remove(TempPath);
        }
        catch (IOException e)
        {
            throw new InvalidInputException($"could not finish writing ({e.Message})", FinalPath, e);
        }
    }

    public void Dispose()
    {
        if (_committed) return;
        try
        {
            Stream.Dispose();
        }
        catch (IOException)
        {
            // A failed final flush (disk full) must not stop the cleanup below.
        }
        try
        {
            File.Delete(TempPath);
        }
        catch (IOException)
        {
        }
        PendingTempFiles.Remove(TempPath);
    }

    /// <summary>Writes a whole small file atomically.</summary>
    public static void WriteAllText(string path, string text)
    {
        using var file = Create(path);
        using (var writer = new StreamWriter(file.Stream, new System.Text.UTF8Encoding(false), 1 << 16, leaveOpen: true))
            writer.Write(text);
        file.Commit();
    }
}
