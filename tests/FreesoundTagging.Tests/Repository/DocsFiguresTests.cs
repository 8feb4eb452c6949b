using System.Diagnostics;
using Xunit;

namespace FreesoundTagging.Tests.Repository;

/// <summary>
/// The docs give every measured figure once: docs/measurements.tsv holds it, docs/figures.py renders the tables of
/// README.md, docs/ and pre_trained_models/ from it, and these tests fail when a rendered table is out of date or
/// when one figure (a row and a column) is given two values.
/// </summary>
public sealed class DocsFiguresTests : IDisposable
{
    private readonly List<string> _scratch = [];

    public void Dispose()
    {
        foreach (string root in _scratch) Directory.Delete(root, recursive: true);
    }

    private const string Header = "table\trow\tcolumn\tvalue\tcommand\tcpu\n";

    [Fact]
    public void EveryRenderedTableMatchesTheMeasurements()
    {
        var (exit, errors) = Check(RepositoryLayoutTests.RepositoryRoot());
        Assert.True(exit == 0, "docs/figures.py --check: " + errors);
    }

    [Fact]
    public void RenderingFillsATableThatTheCheckThenAccepts()
    {
        string root = ScratchRoot(Header + "t\tstep one\ttime\t5 s\tbench one\tsome CPU\nt\tstep two\ttime\t7 s\tbench two\tsome CPU\n",
            "# Doc\n\n<!-- measurements: t | step -->\n<!-- /measurements -->\n");
        Assert.Equal(1, Check(root).Exit);

        Assert.Equal(0, Run(root, "--root", root).Exit);

        string doc = File.ReadAllText(Path.Combine(root, "doc.md"));
        Assert.Contains("| step | time | command |\n|---|---|---|\n| step one | 5 s | `bench one` |\n| step two | 7 s | `bench two` |\n", doc);
        Assert.Contains("CPU: some CPU.", doc);
        Assert.Equal(0, Check(root).Exit);
    }

    [Fact]
    public void AnEditedValueMakesTheRenderedTableStale()
    {
        string root = ScratchRoot(Header + "t\tstep\ttime\t5 s\tbench\tsome CPU\n", "<!-- measurements: t | step -->\n<!-- /measurements -->\n");
        Assert.Equal(0, Run(root, "--root", root).Exit);
        File.WriteAllText(Path.Combine(root, "docs", "measurements.tsv"), Header + "t\tstep\ttime\t6 s\tbench\tsome CPU\n");

        var (exit, errors) = Check(root);

        Assert.Equal(1, exit);
        Assert.Contains("doc.md: table 't' is out of date", errors);
    }

    [Fact]
    public void OneFigureWithTwoValuesFailsTheCheck()
    {
        string root = ScratchRoot(Header + "a\tdeep recipe\ttraining time\t156 s\trecipes.sh deep\tsome CPU\n"
                                         + "b\tdeep recipe\ttraining time\t365 s\trecipes.sh deep\tsome CPU\n",
            "<!-- measurements: a | r -->\n<!-- /measurements -->\n<!-- measurements: b | r -->\n<!-- /measurements -->\n");

        var (exit, errors) = Check(root);

        Assert.Equal(1, exit);
        Assert.Contains("'deep recipe' / 'training time' has two values: '156 s' and '365 s'", errors);
    }

    [Fact]
    public void ARowWithTwoCommandsAnUnknownTableAndAnUnshownTableFailTheCheck()
    {
        string root = ScratchRoot(Header + "a\tstep\ttime\t5 s\tbench one\tsome CPU\na\tstep\tmemory\t9 MB\tbench two\tsome CPU\n"
                                         + "unshown\tx\ty\t1\tz\tsome CPU\n",
            "<!-- measurements: a | r -->\n<!-- /measurements -->\n<!-- measurements: missing | r -->\n<!-- /measurements -->\n");

        var (exit, errors) = Check(root);

        Assert.Equal(1, exit);
        Assert.Contains("row 'step': command 'bench two' differs", errors);
        Assert.Contains("table 'missing' is not in", errors);
        Assert.Contains("table 'unshown' is shown in no Markdown file", errors);
    }

    private static (int Exit, string Errors) Check(string root) => Run(root, "--check", "--root", root);

    private static (int Exit, string Errors) Run(string root, params string[] arguments)
    {
        string script = Path.Combine(RepositoryLayoutTests.RepositoryRoot(), "docs", "figures.py");
        var start = new ProcessStartInfo("python3") { RedirectStandardError = true, RedirectStandardOutput = true };
        start.ArgumentList.Add(script);
        foreach (string argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        string errors = process.StandardError.ReadToEnd();
        process.StandardOutput.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, errors);
    }

    private string ScratchRoot(string measurements, string doc)
    {
        string root = Directory.CreateTempSubdirectory("fst-docs-figures-").FullName;
        _scratch.Add(root);
        Directory.CreateDirectory(Path.Combine(root, "docs"));
        File.WriteAllText(Path.Combine(root, "docs", "measurements.tsv"), measurements);
        File.WriteAllText(Path.Combine(root, "doc.md"), doc);
        return root;
    }
}
