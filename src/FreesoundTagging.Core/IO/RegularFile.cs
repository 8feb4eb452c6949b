namespace FreesoundTagging.IO;

/// <summary>
/// Checks that a path names a regular file (symlinks followed) before anything opens it: opening a FIFO for
/// reading blocks until a writer appears, and a device or a /proc file has no length to trust. Only stat(2)
/// is called, so the check itself cannot block.
/// </summary>
public static class RegularFile
{
    /// <summary>Why <paramref name="path"/> cannot be read as a file, or null when it can.</summary>
    /// <param name="expected">What the file should be, for the message ("an audio file", "a CSV file").</param>
    public static string? Problem(string path, string expected)
    {
        var status = FileStatus.Of(path);
        if (status.Kind == FileKind.Missing) return "file not found";
        if (status.Kind == FileKind.Directory) return $"is a folder, expected {expected}";
        if (status.Kind != FileKind.Regular) return $"is {status.Describe()}, not a regular file; expected {expected}";
        // /proc and /sys files are "regular" but report length 0 and are produced on the fly.
        if (OperatingSystem.IsLinux() && FileStatus.RealPath(path) is { } real && (real.StartsWith("/proc/", StringComparison.Ordinal) || real.StartsWith("/sys/", StringComparison.Ordinal)))
            return $"is a kernel pseudo-file ({real}), not a regular file; expected {expected}";
        return null;
    }
}
