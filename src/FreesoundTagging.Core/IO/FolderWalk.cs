namespace FreesoundTagging.IO;

/// <summary>
/// The files in a folder and, when asked, its subfolders, as paths under the folder given. Each folder is entered once,
/// known by its device and inode: a link back up (<c>up -> ..</c>) or two links to one folder do not make the walk
/// endless or list a file many times. Folders of the kernel's pseudo file systems (<c>/proc</c>, <c>/sys</c>,
/// <c>/dev</c>, reached through a link) are not entered: their files are produced on the fly and some never end.
/// What is passed over is returned with the reason, one entry each.
/// </summary>
public static class FolderWalk
{
    private static readonly string[] PseudoRoots = ["/proc", "/sys", "/dev"];

    /// <summary>Files (sorted by path, ordinal) and the folders passed over, with why.</summary>
    /// <exception cref="IOException">A folder could not be listed.</exception>
    /// <exception cref="UnauthorizedAccessException">A folder may not be listed.</exception>
    public static (List<string> Files, List<(string Path, string Reason)> Skipped) Files(string folder, bool recursive)
    {
        var files = new List<string>();
        var skipped = new List<(string, string)>();
        var seen = new HashSet<(ulong, ulong)>();
        // Hidden entries (dot files, macOS's ._x.wav) are not the user's audio.
        var options = new EnumerationOptions { RecurseSubdirectories = false, IgnoreInaccessible = false, AttributesToSkip = FileAttributes.Hidden };
        var pending = new Stack<string>();
        pending.Push(folder);
        while (pending.Count > 0)
        {
            string dir = pending.Pop();
            if (dir != folder && PseudoFileSystem(dir) is { } root)
            {
                skipped.Add((dir, $"is on {root}, a kernel pseudo file system; not walked"));
                continue;
            }
            var status = FileStatus.Of(dir);
            if (!seen.Add((status.Device, status.Inode)))
            {
                skipped.Add((dir, "is a folder already walked (a link to it or above it); not walked again"));
                continue;
            }
            var subfolders = new List<string>();
            foreach (string entry in Directory.EnumerateFileSystemEntries(dir, "*", options))
            {
                // Following links: a link to a folder is a folder, a link to a file a file.
                if (FileStatus.Of(entry).Kind == FileKind.Directory) subfolders.Add(entry);
                else files.Add(entry);
            }
            if (!recursive) continue;
            // Pushed in reverse so that folders are entered in name order (which one counts as the first of two links).
            foreach (string sub in subfolders.Order(StringComparer.Ordinal).Reverse()) pending.Push(sub);
        }
        files.Sort(StringComparer.Ordinal);
        return (files, skipped);
    }

    private static string? PseudoFileSystem(string dir)
    {
        if (!OperatingSystem.IsLinux() || FileStatus.RealPath(dir) is not { } real) return null;
        return PseudoRoots.FirstOrDefault(r => real == r || real.StartsWith(r + "/", StringComparison.Ordinal));
    }
}
