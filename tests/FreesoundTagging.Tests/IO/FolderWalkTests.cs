using FreesoundTagging.Inference;
using FreesoundTagging.Tests.Support;
using Xunit;
using FreesoundTagging.Jobs;

namespace FreesoundTagging.Tests.IO;

/// <summary>`predict DIR -r` over links that lead back up, to themselves, or into /proc.</summary>
public class FolderWalkTests
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    [Fact]
    public void LinksToParentFoldersAreWalkedOnce()
    {
        using var dir = new TempDir();
        string music = Tree(dir, "a/b/music");
        File.CreateSymbolicLink(Path.Combine(music, "up"), "..");
        File.CreateSymbolicLink(Path.Combine(music, "up2"), "../..");

        var (files, skipped) = ExpandWithin(music);

        Assert.Equal([Path.Combine(music, "x.wav")], files);
        Assert.Contains(skipped, s => s.Reason.Contains("already walked"));
    }

    [Fact]
    public void ALinkToItselfListsEachFileOnce()
    {
        using var dir = new TempDir();
        string music = Tree(dir, "music");
        File.CreateSymbolicLink(Path.Combine(music, "loop"), ".");

        var (files, skipped) = ExpandWithin(music);

        Assert.Equal([Path.Combine(music, "x.wav")], files);
        Assert.Equal(Path.Combine(music, "loop"), Assert.Single(skipped).Path);
    }

    [Fact]
    public void ALinkIntoProcIsPassedOverNamedNotTheEndOfTheRun()
    {
        using var dir = new TempDir();
        string music = Tree(dir, "music");
        File.CreateSymbolicLink(Path.Combine(music, "self"), "/proc/self");

        var (files, skipped) = ExpandWithin(music);

        Assert.Equal([Path.Combine(music, "x.wav")], files);
        var self = Assert.Single(skipped);
        Assert.Equal(Path.Combine(music, "self"), self.Path);
        Assert.Contains("/proc", self.Reason);
    }

    /// <summary>A folder at <paramref name="relative"/> holding one WAV.</summary>
    [Fact]
    public void HiddenFilesAndFoldersAreNotTheUsersAudio()
    {
        using var dir = new TempDir();
        string music = Tree(dir, "music");
        File.WriteAllBytes(Path.Combine(music, "._x.wav"), [0, 5, 22, 7]); // macOS's resource fork beside x.wav
        Tree(dir, "music/.cache");

        var (files, skipped) = ExpandWithin(music);

        Assert.Equal([Path.Combine(music, "x.wav")], files);
        Assert.Empty(skipped);
    }

    private static string Tree(TempDir dir, string relative)
    {
        string folder = Directory.CreateDirectory(dir.File(relative)).FullName;
        File.WriteAllBytes(Path.Combine(folder, "x.wav"), EncodedClips.SourceWav(8000, 1, 800));
        return folder;
    }

    private static (List<string> Files, List<SkippedFile> Skipped) ExpandWithin(string folder)
    {
        // An endless walk is a failure after the deadline, not a stuck suite (its thread is left to the process's end).
        var walk = Task.Run(() => TaggingJob.Expand([folder], recursive: true));
        Assert.True(walk.Wait(Deadline), "the walk did not end");
        return walk.Result;
    }
}
