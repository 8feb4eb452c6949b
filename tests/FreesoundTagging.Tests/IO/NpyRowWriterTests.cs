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
}
