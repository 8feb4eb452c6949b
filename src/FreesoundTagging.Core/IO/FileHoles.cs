using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace FreesoundTagging.IO;

/// <summary>
/// Where a file's holes are (lseek(2) SEEK_HOLE / SEEK_DATA, Linux), so that a reader of a memory-mapped file can
/// skip a range that reads as zeros without touching it: reading a hole through a mapping still faults in a
/// zero-filled page per 4 KB, which for a sparse samples.npy (each row's padding a hole) cost more than the
/// training step it fed. Where the system cannot say (another OS, a file system without SEEK_HOLE), every byte
/// counts as data, which is always correct.
/// </summary>
internal sealed partial class FileHoles : IDisposable
{
    private const int SEEK_DATA = 3, SEEK_HOLE = 4;

    private readonly SafeFileHandle? _handle;

    private FileHoles(SafeFileHandle? handle) => _handle = handle;

    public static FileHoles Open(string path)
    {
        if (!OperatingSystem.IsLinux()) return new FileHoles(null);
        try
        {
            return new FileHoles(File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return new FileHoles(null);
        }
    }

    /// <summary>
    /// The first hole in [<paramref name="start"/>, <paramref name="end"/>): every byte of [Start, End) reads as
    /// zero. Empty (Start = End = <paramref name="end"/>) when there is none or the system cannot tell. Safe to call
    /// from several threads: the answers do not depend on the file position.
    /// </summary>
    public (long Start, long End) FirstHole(long start, long end)
    {
        if (_handle is null || end <= start) return (end, end);
        int fd = (int)_handle.DangerousGetHandle();
        long hole = lseek(fd, start, SEEK_HOLE);
        if (hole < 0 || hole >= end) return (end, end);
        long data = lseek(fd, hole, SEEK_DATA);
        // ENXIO: no data at or after the hole, up to the end of the file.
        if (data < 0) return Marshal.GetLastPInvokeError() == ENXIO ? (hole, end) : (end, end);
        return (hole, Math.Min(data, end));
    }

    private const int ENXIO = 6;

    public void Dispose() => _handle?.Dispose();

    [LibraryImport("libc", EntryPoint = "lseek", SetLastError = true)]
    private static partial long lseek(int fd, long offset, int whence);
}
