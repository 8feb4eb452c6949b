using System.Diagnostics;
using FreesoundTagging.IO;
using FreesoundTagging.Model;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.Interruption;

/// <summary>Temporary files of an interrupted write: a second signal deletes those still pending, and the next run
/// removes the ones a killed run left, never those of a run still writing.</summary>
[Collection(TorchCollection.Name)]
public class TemporaryFileTests
{

    [Fact]
    public void PendingTemporaryFilesCanAllBeDeletedAtOnce()
    {
        // What a second Ctrl+C / SIGTERM does before the process ends: no .tmp file is left behind.
        using var dir = new TempDir();
        using var file = AtomicFile.Create(dir.File("out.bin"));
        file.Stream.Write(new byte[100]);
        Assert.Contains(file.TempPath, PendingTempFiles.Current);
        PendingTempFiles.DeleteAll();
        Assert.Empty(dir.Files());
        Assert.DoesNotContain(file.TempPath, PendingTempFiles.Current);
    }

    [Fact]
    public void ACommittedOrDisposedFileIsNoLongerPending()
    {
        using var dir = new TempDir();
        var committed = AtomicFile.Create(dir.File("a.bin"));
        committed.Commit();
        var dropped = AtomicFile.Create(dir.File("b.bin"));
        dropped.Dispose();
        Assert.DoesNotContain(committed.TempPath, PendingTempFiles.Current);
        Assert.DoesNotContain(dropped.TempPath, PendingTempFiles.Current);
    }

    [Fact]
    public void TheNextRunRemovesTheTemporaryFilesOfAKilledOne()
    {
        using var f = new TinyRun();
        string data = f.Dir.File("data");
        Directory.CreateDirectory(data);
        SyntheticDataset.Write(data, rows: 8, classes: 2, maxFrames: 20);
        string model = f.Dir.File("x.fstmodel");
        // A process that has ended: its PID names a run that can no longer be writing.
        using var gone = Process.Start(new ProcessStartInfo("true"))!;
        gone.WaitForExit();
        string stale = f.Dir.File($".x.fstmodel.ckpt.{gone.Id}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(stale, "half a checkpoint");
        // One of a process still running (here this one, as another run writing the same model would be) is left alone.
        string live = f.Dir.File($".x.fstmodel.ckpt.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp");
        File.WriteAllText(live, "being written");
        var r = ConsoleCapture.Run(ModelCommand.Run, "cnn_1d", model, "--data", data, "--epochs", "1", "--device", "cpu", "--threads", "1");
        Assert.True(r.Exit == 0, r.Err);
        Assert.False(File.Exists(stale), "the dead run's temporary checkpoint is still there");
        Assert.True(File.Exists(live));
    }
}
