namespace FreesoundTagging.Tests.Support;

/// <summary>Runs a command's entry point in-process with stdout and stderr captured.</summary>
internal static class ConsoleCapture
{
    private static readonly object Gate = new();

    public static (int Exit, string Out, string Err) Run(Func<string[], int> main, params string[] args)
    {
        lock (Gate)
        {
            var (oldOut, oldErr) = (Console.Out, Console.Error);
            var (stdout, stderr) = (new StringWriter(), new StringWriter());
            Console.SetOut(stdout);
            Console.SetError(stderr);
            try
            {
                int exit = main(args);
                return (exit, stdout.ToString(), stderr.ToString());
            }
            finally
            {
                Console.SetOut(oldOut);
                Console.SetError(oldErr);
            }
        }
    }
}
