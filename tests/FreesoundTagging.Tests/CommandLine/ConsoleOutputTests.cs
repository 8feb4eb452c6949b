using System.Reflection;
using System.Runtime.InteropServices;
using FreesoundTagging.Model;
using FreesoundTagging.Models;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.CommandLine;

/// <summary>What the console shows: the ETA of members side by side, Ctrl+C's notice under live bars, the
/// probabilities line, and the tagging table at 80 columns.</summary>
[Collection(TorchCollection.Name)]
public class ConsoleOutputTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    /// <summary>Three members side by side finish epoch 5 at one moment: their "left" must agree, not jump by an
    /// epoch's worth from one member's line to the next.</summary>
    [Fact]
    public void MembersFinishingAnEpochTogetherGiveOneTimeLeft()
    {
        var time = TimeSpan.FromSeconds(100);
        var clock = new RunClock(epochs: 80, runs: 3, now: () => time);
        for (int m = 0; m < 3; m++) clock.EpochsDone(m, 0.01);
        for (int m = 0; m < 3; m++) clock.EpochsDone(m, 4.99);
        var lefts = Enumerable.Range(0, 3).Select(m => clock.EpochDone(m, new EpochRecord(5, 1, 0)).Left.TotalSeconds).ToList();
        // 15 of 240 epochs in 100 s: 225 left at 6.67 s each.
        Assert.All(lefts, left => Assert.InRange(left, 1490, 1510));
    }

    [Fact]
    public void AResumedRunsEarlierEpochsTookNoTimeHere()
    {
        var clock = new RunClock(epochs: 10, runs: 1, now: () => TimeSpan.FromSeconds(10));
        clock.EpochsDone(0, 8.5);
        // Epoch 9 took the 10 s; one epoch left.
        Assert.Equal(10, clock.EpochDone(0, new EpochRecord(9, 1, 0)).Left.TotalSeconds, 6);
    }

    /// <summary>Under live progress bars Ctrl+C's notice goes through the display (above the bars), not straight to
    /// the terminal inside them.</summary>
    [Fact]
    public void CtrlCsNoticeGoesThroughALiveDisplay()
    {
        var type = typeof(ModelCommand).Assembly.GetType("FreesoundTagging.CommandLine.Interruption", throwOnError: true)!;
        var hook = type.GetField("LiveNotice", BindingFlags.Public | BindingFlags.Static)!;
        var seen = new List<string>();
        using var interruption = (IDisposable)Activator.CreateInstance(type, nonPublic: true)!;
        var oldErr = Console.Error;
        var err = new StringWriter();
        hook.SetValue(null, new Action<string>(seen.Add));
        Console.SetError(err);
        try
        {
            var context = new PosixSignalContext(PosixSignal.SIGINT);
            type.GetMethod("OnSignal", BindingFlags.NonPublic | BindingFlags.Instance)!.Invoke(interruption, [context]);
            Assert.True(context.Cancel);
        }
        finally
        {
            Console.SetError(oldErr);
            hook.SetValue(null, null);
        }
        Assert.Equal(["stopping after the current step (Ctrl+C again to abort)..."], seen);
        Assert.Equal("", err.ToString());
    }

    [Fact]
    public void TheProbabilitiesLineSaysHowManyClasses()
    {
        using var f = new TinyRun();
        var r = CommandProcess.Run("predict", Patience, f.Model, f.Audio, f.Template, "-", f.Dir.File("s.csv"), "--probabilities", f.Dir.File("p.npy"));
        Assert.True(r.Exit == 0, r.Err);
        Assert.Contains($"wrote {f.Dir.File("p.npy")} ({f.Rows.Count} x 3 softmax probabilities, NaN rows for fallbacks)", r.Out);
    }

    /// <summary>At 80 columns (a redirected table) no class name is cut across lines: a label column is as wide as
    /// the longest name, and a long label's probability goes to the next line.</summary>
    [Fact]
    public void TheTableKeepsClassNamesWholeAt80Columns()
    {
        using var dir = new TempDir();
        string[] classes = ["Finger_snapping", "Gunshot_or_gunfire", "Violin_or_fiddle", "Acoustic_guitar"];
        string model = TinyModelFile.Write(dir.File("m.fstmodel"), classes);
        string clip = dir.Write("some_longer_file_name.wav", TinyCorpus.Tone(440, 0.5));

        var r = CommandProcess.Run("predict", Patience, model, clip, clip, "--format", "table", "--device", "cpu");

        Assert.True(r.Exit == 0, r.Err);
        var lines = r.Out.Split('\n').Where(l => l.StartsWith('│')).ToList();
        Assert.NotEmpty(lines);
        Assert.All(lines, l => Assert.True(l.Length <= 80, l));
        // The label columns are those from "1st" on; every non-empty cell there starts with a whole class name or
        // is a probability on its own line.
        int first = Array.FindIndex(lines[0].Split('│'), c => c.Trim() == "1st");
        Assert.True(first > 0, lines[0]);
        var cells = lines.Skip(1).SelectMany(l => l.Split('│').Skip(first).SkipLast(1)).Select(c => c.Trim()).Where(c => c.Length > 0 && !c.StartsWith("0.") && !c.StartsWith("1."));
        Assert.NotEmpty(cells);
        foreach (string cell in cells)
            Assert.Contains(cell.Split(' ')[0], classes);
    }
}
