namespace FreesoundTagging.IO;

/// <summary>A file a run reads or writes, with what it is for, for messages ("the model", "samples.npy").</summary>
public readonly record struct RunFile(string Role, string Path);

/// <summary>
/// Refuses, before any work, a run whose output is the same file as one of its inputs or as another of its
/// outputs. Files are compared, not strings: existing files by device + inode (so relative paths, "..",
/// symlinks and hard links are all seen through); an output that does not exist yet by its canonical path
/// (its folder's real path + its name), which is where it will be created.
/// </summary>
public static class OutputGuard
{
    /// <exception cref="InvalidInputException">Names the output and the file it would overwrite.</exception>
    public static void Check(IEnumerable<RunFile> inputs, IEnumerable<RunFile> outputs)
    {
        var seen = new Dictionary<string, (RunFile File, bool IsInput)>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            string? key = Key(input.Path);
            if (key is not null) seen.TryAdd(key, (input, true));
        }
        foreach (var output in outputs)
        {
            var status = FileStatus.Of(output.Path);
            if (status.Kind == FileKind.Directory) throw new InvalidInputException($"{output.Role} would be written here, but this is a folder; give a file name", output.Path);
            if (status.Exists && status.Kind != FileKind.Regular)
                throw new InvalidInputException($"{output.Role} would replace {status.Describe()}; outputs must be regular files", output.Path);
            string? key = Key(output.Path);
            if (key is null) continue;
            if (seen.TryGetValue(key, out var other))
            {
                string what = other.IsInput ? $"input {other.File.Role} {other.File.Path}" : $"output {other.File.Role} {other.File.Path}";
                throw new InvalidInputException(other.IsInput
                    ? $"{output.Role} would be written over the {what} (the same file); choose another output path"
                    : $"{output.Role} and the {what} are the same file; give them different paths", output.Path);
            }
            seen.Add(key, (output, false));
        }
    }

    /// <summary>"dev:inode" for an existing file, "path:/canonical/path" for one that does not exist yet.</summary>
    private static string? Key(string path)
    {
        if (string.IsNullOrEmpty(path)) return null;
        var status = FileStatus.Of(path);
        if (status.Exists) return $"id:{status.Device}:{status.Inode}";
        string full = System.IO.Path.GetFullPath(path);
        string? folder = System.IO.Path.GetDirectoryName(full);
        string name = System.IO.Path.GetFileName(full);
        string? realFolder = folder is null ? null : FileStatus.RealPath(folder);
        return "path:" + System.IO.Path.Combine(realFolder ?? folder ?? "", name);
    }
}
