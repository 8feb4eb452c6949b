namespace FreesoundTagging.CommandLine;

/// <summary>Exit codes shared by inputs, model and predict.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>A bug: something other than bad input went wrong.</summary>
    public const int InternalError = 1;

    /// <summary>The command line itself is wrong (unknown option, missing argument).</summary>
    public const int Usage = 2;

    /// <summary>Bad input: a missing or malformed file, invalid settings.</summary>
    public const int InvalidInput = 3;

    /// <summary>Stopped by Ctrl+C (after saving what could be saved).</summary>
    public const int Interrupted = 130;
}
