namespace FreesoundTagging.CommandLine;

/// <summary>Whether a person is watching: bars and colour for a terminal, plain lines for logs and pipes.</summary>
internal static class Terminal
{
    public static bool StdoutIsInteractive => !Console.IsOutputRedirected && Environment.GetEnvironmentVariable("TERM") != "dumb";

    public static bool StderrIsInteractive => !Console.IsErrorRedirected && Environment.GetEnvironmentVariable("TERM") != "dumb";

    public static string Duration(TimeSpan t) =>
        t.TotalHours >= 1 ? $"{(int)t.TotalHours}:{t.Minutes:00}:{t.Seconds:00}" : $"{t.Minutes}:{t.Seconds:00}";
}
