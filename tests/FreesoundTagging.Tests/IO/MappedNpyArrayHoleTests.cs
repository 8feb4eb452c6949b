using FreesoundTagging.IO;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.IO;

/// <summary>A row's part that lies in a file hole is filled with zeros instead of read through the mapping
/// (each hole page read that way costs a page fault and a page of cache); what a row reads must not change.</summary>
public class MappedNpyArrayHoleTests
{
    private const int Frames = 3001, Bands = 64, RowElements = Frames * Bands;

    [Fact]
    public void SparsePaddingIsReportedAsAHoleAndReadsAsZerosOverAnyBuffer()
    {
        using var dir = new TempDir();
        string path = dir.File("s.npy");
        int[] content = [100, 3001, 1, 350];
        var rows = content.Select((n, r) => Row(n, seed: r)).ToArray();
        using (var writer = new NpyRowWriter(path, NpyDtype.Float32, Frames, Bands) { Sparse = true })
        {
            foreach (var row in rows) writer.WriteRow(row);
            writer.Commit();
        }

        using var mapped = MappedNpyArray.Open(path);
        bool holes = FileSystemHasHoles(path);
        var back = new float[RowElements];
        for (int r = 0; r < rows.Length; r++)
        {
            Array.Fill(back, float.NaN);
            mapped.ReadRow(r, back);
            Assert.Equal(rows[r], back);
            var (start, end) = mapped.HoleElements(r);
            if (content[r] == Frames) Assert.Equal(start, end);
            else if (holes)
            {
                // The hole starts past the row's content and covers most of its padding.
                Assert.InRange(start, content[r] * Bands, content[r] * Bands + 1024);
                Assert.True(end - start > (Frames - content[r]) * Bands - 2048, $"row {r}: hole [{start}, {end})");
            }
        }
    }

    [Fact]
    public void DataAfterAHoleInsideARowIsRead()
    {
        using var dir = new TempDir();
        string path = dir.File("crafted.npy");
        var rows = new[] { Row(10, seed: 1), Row(10, seed: 2) };
        // Values far into the padding of row 0 and at the very end of row 1, written after the holes were left.
        rows[0][2000 * Bands + 5] = 7f;
        rows[1][RowElements - 1] = -3f;
        using (var writer = new NpyRowWriter(path, NpyDtype.Float32, Frames, Bands) { Sparse = true })
        {
            writer.WriteRow(Row(10, seed: 1));
            writer.WriteRow(Row(10, seed: 2));
            writer.Commit();
        }
        long dataOffset = NpyHeader.Read(path).DataOffset;
        using (var file = new FileStream(path, FileMode.Open, FileAccess.Write))
        {
            foreach (var (element, value) in new[] { (2000L * Bands + 5, 7f), (2L * RowElements - 1, -3f) })
            {
                file.Position = dataOffset + element * 4;
                file.Write(BitConverter.GetBytes(value));
            }
        }

        using var mapped = MappedNpyArray.Open(path);
        var back = new float[RowElements];
        for (int r = 0; r < rows.Length; r++)
        {
            Array.Fill(back, float.NaN);
            mapped.ReadRow(r, back);
            Assert.Equal(rows[r], back);
        }
    }

    [Fact]
    public void ADenseFileHasNoHoles()
    {
        using var dir = new TempDir();
        string path = dir.File("d.npy");
        var row = Row(10, seed: 3);
        using (var writer = new NpyRowWriter(path, NpyDtype.Float32, Frames, Bands) { Sparse = false })
        {
            writer.WriteRow(row);
            writer.Commit();
        }
        using var mapped = MappedNpyArray.Open(path);
        var (start, end) = mapped.HoleElements(0);
        Assert.Equal(start, end);
        var back = new float[RowElements];
        mapped.ReadRow(0, back);
        Assert.Equal(row, back);
    }

    private static float[] Row(int contentFrames, int seed)
    {
        var rng = new Random(seed);
        var row = new float[RowElements];
        for (int i = 0; i < contentFrames * Bands; i++) row[i] = (float)rng.NextDouble() + 0.1f;
        return row;
    }

    /// <summary>Whether this file system leaves holes (tmpfs and ext4 do): a sparse file then takes fewer blocks than its length.</summary>
    private static bool FileSystemHasHoles(string path)
    {
        var info = new System.Diagnostics.ProcessStartInfo("stat", ["-c", "%b %B %s", path]) { RedirectStandardOutput = true };
        using var p = System.Diagnostics.Process.Start(info)!;
        long[] v = p.StandardOutput.ReadToEnd().Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToArray();
        p.WaitForExit();
        return v[0] * v[1] < v[2] / 2;
    }
}
