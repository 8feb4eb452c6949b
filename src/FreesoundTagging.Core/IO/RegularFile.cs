namespace FreesoundTagging.IO;

/// <summary>
/// Checks that a path names a regular file (symlinks followed) before anything opens it: opening a FIFO for
/// reading blocks until a writer appears, and a device or a /proc file has no length to trust. Only stat(2)
/// is called, so the check itself cannot block.
/// </summary>
public static class RegularFile
{
    /// <summary>The longest path, in bytes, that Linux resolves (PATH_MAX less the terminating zero): stat of a
    /// longer one fails with ENAMETOOLONG, which .NET reports as "does not exist".</summary>
    public const int MaxPathBytes = 4095;

    /// <summary>Why <paramref name="path"/> cannot be read as a file, or null when it can.</summary>
    /// <param name="expected">What the file should be, for the message ("an audio file", "a CSV file").</param>
    public static string? Problem(string path, string expected)
    {
        var status = FileStatus.Of(path);
        if (status.Kind == FileKind.Missing) return TooLong(path) ?? "file not found";
        if (status.Kind == FileKind.Directory) return $"is a folder, expected {expected}";
        if (status.Kind != FileKind.Regular) return $"is {status.Describe()}, not a regular file; expected {expected}";
        // /proc and /sys files are "regular" but report length 0 and are produced on the fly.
        if (OperatingSystem.IsLinux() && FileStatus.RealPath(path) is { } real && (real.StartsWith("/proc/", StringComparison.Ordinal) || real.StartsWith("/sys/", StringComparison.Ordinal)))
            return $"is a kernel pseudo-file ({real}), not a regular file; expected {expected}";
        return null;
    }

    /// <summary>Why a path that stat cannot find may still exist: it is longer than the system resolves. Null otherwise.</summary>
    public static string? TooLong(string path)
    {
        int bytes = System.Text.Encoding.UTF8.GetByteCount(path);
        int longestName = path.Split('/').Max(n => System.Text.Encoding.UTF8.GetByteCount(n));
        if (bytes > MaxPathBytes) return FormattableString.Invariant($"the path is {bytes:N0} bytes long, more than the {MaxPathBytes:N0} the system accepts; use a shorter (relative) path or a symlink");
        if (longestName > 255) return FormattableString.Invariant($"a name in the path is {longestName:N0} bytes long, more than the 255 the system accepts");
        return null;
    }

    /// <summary>Reads a whole input file that must be a regular file of at most <paramref name="maxBytes"/>: a FIFO,
    /// a device (/dev/zero) or a huge file is refused, named, before anything is read.</summary>
    /// <param name="expected">What the file should be, for the message ("a recipe file").</param>
    /// <exception cref="InvalidInputException">Not a regular file, too large, or unreadable.</exception>
    public static byte[] ReadAllBytes(string path, string expected, long maxBytes)
    {
        if (Problem(path, expected) is { } problem) throw new InvalidInputException(problem, path);
        try
        {
            using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1);
            long length = file.Length;
            if (length > maxBytes) throw new InvalidInputException($"is {Size(length)}, more than the {Size(maxBytes)} {expected} may be", path);
            var bytes = new byte[length];
            file.ReadExactly(bytes);
            return bytes;
        }
        catch (EndOfStreamException e)
        {
            throw new InvalidInputException("the file shrank while it was read", path, e);
        }
        catch (IOException e)
        {
            throw new InvalidInputException($"cannot read ({e.Message})", path, e);
        }
        catch (UnauthorizedAccessException e)
        {
            throw new InvalidInputException("permission denied", path, e);
        }
    }

    /// <summary><see cref="ReadAllBytes"/> as UTF-8 text (a byte-order mark is dropped).</summary>
    public static string ReadAllText(string path, string expected, long maxBytes)
    {
        byte[] bytes = ReadAllBytes(path, expected, maxBytes);
        var text = bytes.AsSpan();
        if (text.StartsWith("\uFEFF"u8)) text = text[3..];
        return System.Text.Encoding.UTF8.GetString(text);
    }

    /// <summary>"12 bytes", "1.0 MiB".</summary>
    public static string Size(long bytes) => bytes < 1024 ? $"{bytes} bytes"
        : bytes < 1 << 20 ? FormattableString.Invariant($"{bytes / 1024.0:0.#} KiB")
        : bytes < 1L << 30 ? FormattableString.Invariant($"{bytes / 1048576.0:0.#} MiB")
        : FormattableString.Invariant($"{bytes / 1073741824.0:0.##} GiB");
}
