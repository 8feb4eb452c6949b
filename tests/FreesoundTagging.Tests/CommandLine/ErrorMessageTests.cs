using System.Diagnostics;
using FreesoundTagging.Audio;
using FreesoundTagging.Inputs;
using FreesoundTagging.Predict;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.CommandLine;

/// <summary>Errors give the real reason: libtorch under `ulimit -v`, a path longer than the system resolves, a file
/// without an audio stream, a timeline on a whole-clip model.</summary>
[Collection(TorchCollection.Name)]
public class ErrorMessageTests
{
    [Fact]
    public void AnAddressSpaceLimitTooSmallForLibtorchIsNamed()
    {
        using var f = new TinyRun();
        string predict = Path.Combine(AppContext.BaseDirectory, "predict");
        // 2 GiB: LibTorchSharp cannot even be mapped (3 and 4 GiB fail later, in allocations, also named).
        var info = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (string a in new[] { "-c", "ulimit -v 2097152 && exec \"$0\" \"$@\"", predict, f.Model, Path.Combine(f.Audio, f.Rows[0].Fname) })
            info.ArgumentList.Add(a);
        using var p = Process.Start(info)!;
        // Both outputs are a line or two: read one after the other without filling a pipe.
        string err = p.StandardError.ReadToEnd();
        string stdout = p.StandardOutput.ReadToEnd();
        Assert.True(p.WaitForExit(60_000));
        Assert.True(p.ExitCode == 3, $"exit {p.ExitCode}: {err}");
        Assert.Contains("under the address-space limit (ulimit -v: 2 GiB)", err);
        Assert.DoesNotContain("internal error", err);
        Assert.Single(err.Trim().Split('\n'), l => l.StartsWith("error:", StringComparison.Ordinal));
        Assert.Equal("", stdout);
    }

    [Fact]
    public void AFolderPathLongerThanTheSystemResolvesIsNotCalledMissing()
    {
        using var f = new TinyRun();
        // 22 names of 200 characters: each name is fine, the whole path (about 4,450 bytes) is beyond PATH_MAX.
        string name = new('d', 200);
        string relative = string.Join('/', Enumerable.Repeat(name, 22));
        // mkdir -p walks the names one by one, so it can make what a single path cannot reach.
        TinyRun.Run("mkdir", "-p", Path.Combine(f.Dir.Path, relative));
        string longPath = Path.Combine(f.Dir.Path, relative);
        try
        {
            var r = ConsoleCapture.Run(InputsCommand.Run, longPath, f.TrainCsv, "--out-dir", f.Dir.Path);
            Assert.Equal(3, r.Exit);
            Assert.Contains("bytes long, more than the 4,095 the system accepts", r.Err);
            Assert.DoesNotContain("not found", r.Err);
            var s = ConsoleCapture.Run(PredictCommand.Run, f.Model, longPath, f.Template, "-", f.Dir.File("s.csv"));
            Assert.Equal(3, s.Exit);
            Assert.Contains("more than the 4,095 the system accepts", s.Err);
            var tag = ConsoleCapture.Run(PredictCommand.Run, f.Model, longPath);
            Assert.Equal(3, tag.Exit);
            Assert.Contains("more than the 4,095 the system accepts", tag.Err);
        }
        finally
        {
            // Deleting by the long path fails the same way; rm walks the tree.
            TinyRun.Run("rm", "-rf", Path.Combine(f.Dir.Path, name));
        }
    }

    [Fact]
    public void AFileWithoutAnAudioStreamSaysSo()
    {
        using var dir = new TempDir();
        // A PNG renamed .wav, and an MP4 holding only video: ffmpeg's last line was its hint about "-map".
        string image = dir.File("picture.wav");
        TinyRun.Run(EncodedClips.Ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "color=c=red:s=8x8", "-frames:v", "1", dir.File("picture.png"));
        File.Move(dir.File("picture.png"), image);
        string video = dir.File("silent.mp4");
        TinyRun.Run(EncodedClips.Ffmpeg, "-nostdin", "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i", "testsrc=duration=0.2:size=32x32:rate=10", "-c:v", "mpeg4", video);
        foreach (string path in new[] { image, video })
        {
            var e = Assert.Throws<InvalidAudioException>(() => SourceReading.LoadMono(path, 44100));
            Assert.Contains("it has no audio stream", e.Message);
            Assert.DoesNotContain("trailing '?'", e.Message);
        }
    }

    [Fact]
    public void ATimelineOnAWholeClipModelIsNotSaidToBeItsCrop()
    {
        using var dir = new TempDir();
        string model = TinyModelFile.Write(dir.File("m.fstmodel"));
        string wav = dir.Write("long.wav", TinyCorpus.Tone(440, 1.0));
        var r = ConsoleCapture.Run(PredictCommand.Run, model, wav, "--timeline", "0.001", "--format", "json", "--device", "cpu");
        Assert.True(r.Exit == 0, r.Err);
        Assert.DoesNotContain("the crop the model was trained on", r.Err);
        Assert.Contains("timeline: windows of 0.01 s, --timeline 0.001 rounded to whole feature frames (at least one)", r.Err);
        // A crop-trained model's windows are the length asked too (its crops are pooled inside each): the message
        // gives the rounding, not the crop.
        string cropped = TinyModelFile.Write(dir.File("c.fstmodel"), windowFrames: 30);
        var c = ConsoleCapture.Run(PredictCommand.Run, cropped, wav, "--timeline", "0.001", "--format", "json", "--device", "cpu");
        Assert.True(c.Exit == 0, c.Err);
        Assert.Contains("timeline: windows of 0.01 s, --timeline 0.001 rounded to whole feature frames (at least one)", c.Err);
        Assert.DoesNotContain("the crop the model was trained on", c.Err);
    }
}
