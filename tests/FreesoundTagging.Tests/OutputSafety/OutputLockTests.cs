using FreesoundTagging.IO;
using FreesoundTagging.Predict;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.OutputSafety;

/// <summary>Two runs writing the same output at once: the second is refused.</summary>
[Collection(TorchCollection.Name)]
public class OutputLockTests
{
    [Fact]
    public void LockFilesArePendingUntilReleasedSoASecondSignalDeletesThem()
    {
        using var dir = new TempDir();
        string lockFile = dir.File(".out.bin.lock");
        using (OutputLock.Acquire([dir.File("out.bin")]))
        {
            Assert.True(File.Exists(lockFile));
            Assert.Contains(lockFile, PendingTempFiles.Current);
        }
        Assert.False(File.Exists(lockFile));
        Assert.DoesNotContain(lockFile, PendingTempFiles.Current);
    }

    [Fact]
    public void ASecondWriterOfTheSameOutputIsRefused()
    {
        using var f = new TinyRun();
        string output = f.Dir.File("s.csv");
        using (OutputLock.Acquire([output]))
        {
            // Another spelling of the same output takes the same lock.
            var e = Assert.Throws<InvalidInputException>(() => OutputLock.Acquire([Path.Combine(f.Audio, "..", "s.csv")]));
            Assert.Contains("another run is writing this output right now", e.Message);

            var r = ConsoleCapture.Run(PredictCommand.Run, f.Model, f.Audio, f.Template, "-", output);
            Assert.Equal(3, r.Exit);
            Assert.Contains("another run is writing this output right now", r.Err);
            Assert.False(File.Exists(output));
        }
        // Released (and its lock file gone) when the holder ends.
        Assert.Equal(0, ConsoleCapture.Run(PredictCommand.Run, f.Model, f.Audio, f.Template, "-", output).Exit);
        Assert.DoesNotContain(".s.csv.lock", f.Dir.Files());
    }
}
