using System.Diagnostics;
using System.Text;
using FreesoundTagging.IO;
using FreesoundTagging.Tests.Support;
using NumSharp;
using Xunit;

namespace FreesoundTagging.Tests.IO;

public class NpyRowWriterTests
{
    [Theory]
    [InlineData(NpyDtype.Float32)]
    [InlineData(NpyDtype.Float64)]
    public void RowsRoundTripThroughTheMappedReaderAndNumSharp(NpyDtype dtype)
    {
        using var dir = new TempDir();
        string path = dir.File("a.npy");
        using (var writer = new NpyRowWriter(path, dtype, 3, 2))
        {
            for (int r = 0; r < 4; r++) writer.WriteRow(Enumerable.Range(0, 6).Select(i => r * 10f + i + 0.5f).ToArray());
            writer.Commit();
        }

        using var mapped = MappedNpyArray.Open(path);
        Assert.Equal(new long[] { 4, 3, 2 }, mapped.Shape);
        Assert.Equal(dtype, mapped.Dtype);
        var row = new float[6];
        mapped.ReadRow(2, row);
        Assert.Equal(new[] { 20.5f, 21.5f, 22.5f, 23.5f, 24.5f, 25.5f }, row);

        NDArray loaded = np.load_npy(path, false, 100_000);
        Assert.Equal(new long[] { 4, 3, 2 }, loaded.shape);
        Assert.Equal(dtype == NpyDtype.Float32 ? NPTypeCode.Single : NPTypeCode.Double, loaded.typecode);
        Assert.Equal(11.5, loaded.astype(NPTypeCode.Double).ToArray<double>()[7]);
    }

    [Fact]
    public void HeaderIsNumpyVersion1AlignedTo64Bytes()
    {
        using var dir = new TempDir();
        string path = dir.File("h.npy");
        using (var writer = new NpyRowWriter(path, NpyDtype.Float32, 5))
        {
            writer.WriteRow(new float[5]);
            writer.Commit();
        }
        byte[] bytes = File.ReadAllBytes(path);
        Assert.Equal(0x93, bytes[0]);
        Assert.Equal("NUMPY", Encoding.ASCII.GetString(bytes, 1, 5));
        Assert.Equal(1, bytes[6]);
        int dataStart = 10 + BitConverter.ToUInt16(bytes, 8);
        Assert.Equal(0, dataStart % 64);
        string header = Encoding.ASCII.GetString(bytes, 10, dataStart - 10);
        Assert.Contains("'descr': '<f4'", header);
        Assert.Contains("'shape': (1, 5)", header);
        Assert.EndsWith("\n", header);
    }

    [Fact]
    public void RowCountInTheHeaderIsTheRowsActuallyWritten()
    {
        using var dir = new TempDir();
        string path = dir.File("n.npy");
        using (var writer = new NpyRowWriter(path, NpyDtype.Float32, 2))
        {
            for (int i = 0; i < 1234; i++) writer.WriteRow(new float[] { i, -i });
            writer.Commit();
        }
        using var mapped = MappedNpyArray.Open(path);
        Assert.Equal(1234, mapped.RowCount);
    }

    [Fact]
    public void NothingIsLeftBehindWithoutCommit()
    {
        using var dir = new TempDir();
        string path = dir.File("x.npy");
        using (var writer = new NpyRowWriter(path, NpyDtype.Float32, 2))
            writer.WriteRow(new float[2]);
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void AnExistingFileIsKeptUntilTheNewOneIsComplete()
    {
        using var dir = new TempDir();
        string path = dir.Write("keep.npy", "old");
        using (var writer = new NpyRowWriter(path, NpyDtype.Float32, 2))
        {
            writer.WriteRow(new float[2]);
            Assert.Equal("old", File.ReadAllText(path));
        }
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(dir.Files());
    }

    [Fact]
    public void AMissingOutputFolderIsAClearError()
    {
        var e = Assert.Throws<InvalidInputException>(() => new NpyRowWriter("/nonexistent-folder/x.npy", NpyDtype.Float32, 2));
        Assert.Contains("does not exist", e.Message);
    }
    /// <summary>Padded rows as `inputs` writes them (3001 x 64): a few frames of content, then zeros; the last row is
    /// all zeros and one ends in a negative zero (not zero bytes, so it must be written).</summary>
    private static float[][] PaddedRows()
    {
        var rng = new Random(3);
        var rows = new float[6][];
        int[] contentFrames = [100, 3001, 1, 350, 2, 0];
        for (int r = 0; r < rows.Length; r++)
        {
            rows[r] = new float[3001 * 64];
            for (int i = 0; i < contentFrames[r] * 64; i++) rows[r][i] = (float)rng.NextDouble() - 0.5f;
        }
        rows[4][3001 * 64 - 1] = -0f;
        return rows;
    }

    private static void WriteAll(string path, NpyDtype dtype, bool sparse, float[][] rows)
    {
        using var writer = new NpyRowWriter(path, dtype, 3001, 64) { Sparse = sparse };
        foreach (var row in rows) writer.WriteRow(row);
        writer.Commit();
    }

    /// <summary>Bytes the file system has allocated to a file (`stat -c '%b %B'`).</summary>
    private static long AllocatedBytes(string path)
    {
        var info = new ProcessStartInfo("stat", ["-c", "%b %B", path]) { RedirectStandardOutput = true };
        using var p = Process.Start(info)!;
        long[] blocks = p.StandardOutput.ReadToEnd().Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(long.Parse).ToArray();
        p.WaitForExit();
        return blocks[0] * blocks[1];
    }

    [Theory]
    [InlineData(NpyDtype.Float32)]
    [InlineData(NpyDtype.Float64)]
    public void ZeroTailsAreHolesAndTheFileReadsBackTheSameBytes(NpyDtype dtype)
    {
        using var dir = new TempDir();
        var rows = PaddedRows();
        WriteAll(dir.File("sparse.npy"), dtype, sparse: true, rows);
        WriteAll(dir.File("dense.npy"), dtype, sparse: false, rows);

        byte[] sparse = File.ReadAllBytes(dir.File("sparse.npy"));
        Assert.Equal(File.ReadAllBytes(dir.File("dense.npy")), sparse);
        long content = rows.Sum(r => (long)(Array.FindLastIndex(r, v => BitConverter.SingleToInt32Bits(v) != 0) + 1)) * dtype.ItemSize();
        // The dense file takes its whole length; the sparse one its content (one full row, some short ones) plus
        // at most a few blocks per row, far fewer than its length.
        Assert.True(AllocatedBytes(dir.File("dense.npy")) >= sparse.Length);
        long allocated = AllocatedBytes(dir.File("sparse.npy"));
        Assert.True(allocated <= content + rows.Length * 3 * 4096 + 8192, $"{allocated} bytes allocated for {content} bytes of content, {sparse.Length} long");

        using var mapped = MappedNpyArray.Open(dir.File("sparse.npy"));
        var back = new float[3001 * 64];
        for (int r = 0; r < rows.Length; r++)
        {
            mapped.ReadRow(r, back);
            Assert.Equal(rows[r], back);
        }
    }

    [Fact]
    public void ShortZeroTailsAreWrittenAsZeros()
    {
        using var dir = new TempDir();
        var oneHot = new float[41];
        oneHot[0] = 1f;
        foreach (bool sparse in new[] { true, false })
        {
            using var writer = new NpyRowWriter(dir.File($"{sparse}.npy"), NpyDtype.Float32, 41) { Sparse = sparse };
            writer.WriteRow(oneHot);
            writer.Commit();
        }
        Assert.Equal(File.ReadAllBytes(dir.File("False.npy")), File.ReadAllBytes(dir.File("True.npy")));
    }
}
