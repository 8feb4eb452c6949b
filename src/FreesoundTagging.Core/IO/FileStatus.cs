using System.Runtime.InteropServices;

namespace FreesoundTagging.IO;

/// <summary>What a path names, after following symlinks.</summary>
public enum FileKind
{
    Missing,
    Regular,
    Directory,
    Fifo,
    CharacterDevice,
    BlockDevice,
    Socket,
    Other,
}

/// <summary>
/// stat(2) of a path, following symlinks: the file's kind and its identity (device + inode), which .NET does not
/// expose. Two paths name the same file exactly when their identities are equal, however they are spelled
/// (relative, "..", symlinks, hard links).
/// </summary>
public readonly partial record struct FileStatus(FileKind Kind, ulong Device, ulong Inode)
{
    private const uint S_IFMT = 0xF000, S_IFREG = 0x8000, S_IFDIR = 0x4000, S_IFIFO = 0x1000, S_IFCHR = 0x2000, S_IFBLK = 0x6000, S_IFSOCK = 0xC000;

    public bool Exists => Kind != FileKind.Missing;

    /// <summary>The kind in words, for messages ("a FIFO (named pipe)").</summary>
    public string Describe() => Kind switch
    {
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a folder",
        FileKind.Fifo => "a FIFO (named pipe)",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Socket => "a socket",
        FileKind.Missing => "missing",
        _ => "not a regular file",
    };

    /// <summary>Stats <paramref name="path"/> without opening it (so a FIFO cannot block the caller).</summary>
    public static FileStatus Of(string path)
    {
        if (!OperatingSystem.IsLinux()) return Portable(path);
        // Large enough for struct stat on every Linux ABI; st_dev and st_ino lead it everywhere, st_mode's offset differs.
        Span<byte> buffer = stackalloc byte[256];
        int result;
        unsafe
        {
            fixed (byte* p = buffer) result = StatCall(path, p);
        }
        if (result != 0) return new FileStatus(FileKind.Missing, 0, 0);
        return Decode(buffer);
    }

    private static FileStatus Decode(ReadOnlySpan<byte> buffer)
    {
        ulong device = MemoryMarshal.Read<ulong>(buffer);
        ulong inode = MemoryMarshal.Read<ulong>(buffer[8..]);
        int modeOffset = RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 24 : 16;
        uint mode = MemoryMarshal.Read<uint>(buffer[modeOffset..]);
        var kind = (mode & S_IFMT) switch
        {
            S_IFREG => FileKind.Regular,
            S_IFDIR => FileKind.Directory,
            S_IFIFO => FileKind.Fifo,
            S_IFCHR => FileKind.CharacterDevice,
            S_IFBLK => FileKind.BlockDevice,
            S_IFSOCK => FileKind.Socket,
            _ => FileKind.Other,
        };
        return new FileStatus(kind, device, inode);
    }

    /// <summary>fstat(2) of an open file: the identity of what the handle really holds.</summary>
    public static FileStatus Of(Microsoft.Win32.SafeHandles.SafeFileHandle handle)
    {
        if (!OperatingSystem.IsLinux()) return new FileStatus(FileKind.Regular, 0, 0);
        Span<byte> buffer = stackalloc byte[256];
        int result;
        bool added = false;
        try
        {
            handle.DangerousAddRef(ref added);
            unsafe
            {
                fixed (byte* p = buffer) result = fstat((int)handle.DangerousGetHandle(), p);
            }
        }
        finally
        {
            if (added) handle.DangerousRelease();
        }
        return result != 0 ? new FileStatus(FileKind.Missing, 0, 0) : Decode(buffer);
    }

    /// <summary>The canonical absolute path (symlinks and ".." resolved), or null when it does not exist.</summary>
    public static string? RealPath(string path)
    {
        if (!OperatingSystem.IsLinux()) return File.Exists(path) || Directory.Exists(path) ? Path.GetFullPath(path) : null;
        nint resolved = realpath(path, 0);
        if (resolved == 0) return null;
        try
        {
            return Marshal.PtrToStringUTF8(resolved);
        }
        finally
        {
            free(resolved);
        }
    }

    private static unsafe int StatCall(string path, byte* buffer)
    {
        try
        {
            return stat(path, buffer);
        }
        catch (EntryPointNotFoundException)
        {
            // glibc before 2.33 exports stat only as __xstat(version, ...).
            return __xstat(RuntimeInformation.ProcessArchitecture == Architecture.X64 ? 1 : 0, path, buffer);
        }
    }

    private static FileStatus Portable(string path)
    {
        if (Directory.Exists(path)) return new FileStatus(FileKind.Directory, 0, (ulong)Path.GetFullPath(path).GetHashCode());
        if (File.Exists(path)) return new FileStatus(FileKind.Regular, 0, (ulong)Path.GetFullPath(path).GetHashCode());
        return new FileStatus(FileKind.Missing, 0, 0);
    }

    [LibraryImport("libc", EntryPoint = "stat", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int stat(string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "fstat")]
    private static unsafe partial int fstat(int fd, byte* buffer);

    [LibraryImport("libc", EntryPoint = "__xstat", StringMarshalling = StringMarshalling.Utf8)]
    private static unsafe partial int __xstat(int version, string path, byte* buffer);

    [LibraryImport("libc", EntryPoint = "realpath", StringMarshalling = StringMarshalling.Utf8)]
    private static partial nint realpath(string path, nint resolved);

    [LibraryImport("libc", EntryPoint = "free")]
    private static partial void free(nint pointer);
}
