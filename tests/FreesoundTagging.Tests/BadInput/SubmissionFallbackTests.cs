using FreesoundTagging.Tests.Audio;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.BadInput;

/// <summary>A submission made of placeholders (the wrong audio folder, most clips unreadable) is refused, not written.</summary>
[Collection(TorchCollection.Name)]
public class SubmissionFallbackTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    [Fact]
    public void TheWrongAudioFolderIsOneErrorLineExit3AndNoFile()
    {
        using var f = new TinyRun();
        string wrong = Directory.CreateDirectory(f.Dir.File("other_audio")).FullName;
        File.Copy(Path.Combine(f.Audio, f.Rows[0].Fname), Path.Combine(wrong, "other.wav"));
        string output = f.Dir.File("sub.csv");

        var r = CommandProcess.Run("predict", Patience, f.Model, wrong, f.Template, f.TrainCsv, output);

        Assert.Equal(3, r.Exit);
        var lines = r.Err.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Single(lines);
        Assert.StartsWith($"error: {wrong}: none of the {f.Rows.Count} clips of sample_submission.csv could be scored", lines[0]);
        Assert.Contains("is it the test audio folder?", lines[0]);
        Assert.Equal("", r.Out);
        Assert.False(File.Exists(output));
        Assert.Empty(Directory.GetFiles(f.Dir.Path, "*sub.csv*"));
    }

    [Fact]
    public void MoreThanASmallShareOfFallbacksIsRefusedUnlessAllowed()
    {
        using var f = new TinyRun();
        // Two of three clips empty: they decode, but to nothing.
        foreach (var row in f.Rows.Take(2))
            File.WriteAllBytes(Path.Combine(f.Audio, row.Fname), new WavBuilder().Fmt(WavBuilder.Pcm, 1, 44100, 16).Data([]).ToArray());
        string output = f.Dir.File("sub.csv");

        var refused = CommandProcess.Run("predict", Patience, f.Model, f.Audio, f.Template, "-", output);
        Assert.Equal(3, refused.Exit);
        Assert.Single(refused.Err.Split('\n'), l => l.StartsWith("error:"));
        Assert.Contains($"2 of {f.Rows.Count} clips could not be scored", refused.Err);
        Assert.Contains("--allow-fallbacks", refused.Err);
        Assert.False(File.Exists(output));

        var allowed = CommandProcess.Run("predict", Patience, f.Model, f.Audio, f.Template, "-", output, "--allow-fallbacks");
        Assert.True(allowed.Exit == 0, allowed.Err);
        Assert.Contains("1 scored, 2 fallback", allowed.Out);
        Assert.Contains($"{f.Rows[0].Fname},Low Mid High", File.ReadAllText(output));
    }

    [Fact]
    public void OneUnreadableClipStillGivesASubmission()
    {
        using var f = new TinyRun();
        File.Delete(Path.Combine(f.Audio, f.Rows[0].Fname));
        string output = f.Dir.File("sub.csv");
        var r = CommandProcess.Run("predict", Patience, f.Model, f.Audio, f.Template, "-", output);
        Assert.True(r.Exit == 0, r.Err);
        Assert.Contains("2 scored, 1 fallback", r.Out);
    }

    [Fact]
    public void NoClipScoredIsRefusedEvenWithAllowFallbacks()
    {
        using var f = new TinyRun();
        foreach (var row in f.Rows)
            File.WriteAllBytes(Path.Combine(f.Audio, row.Fname), new WavBuilder().Fmt(WavBuilder.Pcm, 1, 44100, 16).Data([]).ToArray());
        string output = f.Dir.File("sub.csv");
        var r = CommandProcess.Run("predict", Patience, f.Model, f.Audio, f.Template, "-", output, "--allow-fallbacks");
        Assert.Equal(3, r.Exit);
        Assert.Contains("could be scored", r.Err);
        Assert.False(File.Exists(output));
    }
}
