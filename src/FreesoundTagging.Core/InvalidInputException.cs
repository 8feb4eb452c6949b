namespace FreesoundTagging;

/// <summary>
/// A problem the user can cause and fix: a missing or malformed file, a bad setting. The commands print its
/// message as one line (it already names the file) and exit non-zero; anything else is a bug.
/// </summary>
public class InvalidInputException : Exception
{
    public InvalidInputException(string message, string? path = null, Exception? inner = null)
        : base(path is null ? message : $"{path}: {message}", inner)
    {
        Path = path;
    }

    /// <summary>The file or folder at fault, when there is one.</summary>
    public string? Path { get; }
}

/// <summary>A file that is not a WAV we can decode (bad header, unsupported encoding, corrupt samples).</summary>
public sealed class InvalidAudioException(string message, string? path = null, Exception? inner = null)
    : InvalidInputException(message, path, inner);

/// <summary>A .npy file with the wrong magic, dtype, rank, shape or length.</summary>
public sealed class InvalidArrayException(string message, string? path = null, Exception? inner = null)
    : InvalidInputException(message, path, inner);

/// <summary>A CSV manifest with missing columns, duplicate or unsafe fnames, or empty labels.</summary>
public sealed class InvalidCsvException(string message, string? path = null, Exception? inner = null)
    : InvalidInputException(message, path, inner);

/// <summary>A file that is not a FreesoundTagging model, is truncated, or does not fit the data.</summary>
public sealed class InvalidModelException(string message, string? path = null, Exception? inner = null)
    : InvalidInputException(message, path, inner);

/// <summary>Settings that are invalid together; the message lists every problem at once.</summary>
public sealed class InvalidSettingsException(IReadOnlyList<string> problems, string what)
    : InvalidInputException($"invalid {what}: {string.Join("; ", problems)}")
{
    public IReadOnlyList<string> Problems { get; } = problems;
}
