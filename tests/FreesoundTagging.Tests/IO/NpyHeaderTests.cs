using System.Text;
using FreesoundTagging.IO;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.IO;

public class NpyHeaderTests
{
    private static byte[] Npy(string dict, int dataBytes, byte major = 1)
    {
        string header = dict;
        int prefix = major == 1 ? 10 : 12;
        int total = prefix + header.Length + 1;
        header += new string(' ', (64 - total % 64) % 64) + "\n";
        var bytes = new List<byte> { 0x93 };
        bytes.AddRange("NUMPY"u8.ToArray());
        bytes.Add(major);
        bytes.Add(0);
        if (major == 1) bytes.AddRange(BitConverter.GetBytes((ushort)header.Length));
        else bytes.AddRange(BitConverter.GetBytes((uint)header.Length));
        bytes.AddRange(Encoding.ASCII.GetBytes(header));
        bytes.AddRange(new byte[dataBytes]);
        return bytes.ToArray();
    }

    [Fact]
    public void ReadsAValidHeader()
    {
        using var dir = new TempDir();
        string path = dir.Write("ok.npy", Npy("{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }", 48));
        var h = NpyHeader.Read(path);
        Assert.Equal(NpyDtype.Float64, h.Dtype);
        Assert.Equal(new long[] { 2, 3 }, h.Shape);
        Assert.Equal(0, h.DataOffset % 64);
        Assert.Equal(new FileInfo(path).Length - 48, h.DataOffset);
    }

    [Fact]
    public void ReadsFormatVersion2()
    {
        using var dir = new TempDir();
        string path = dir.Write("v2.npy", Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (3,), }", 12, major: 2));
        Assert.Equal(new long[] { 3 }, NpyHeader.Read(path).Shape);
    }

    [Theory]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 20, "truncated")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", 30, "bytes beyond")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (99999999999, 3), }", 24, "truncated")]
    [InlineData("{'descr': '<f4', 'fortran_order': True, 'shape': (2, 3), }", 24, "Fortran")]
    [InlineData("{'descr': '|u1', 'fortran_order': False, 'shape': (2, 3), }", 6, "unsupported dtype")]
    [InlineData("{'descr': '>f4', 'fortran_order': False, 'shape': (2, 3), }", 24, "unsupported dtype")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (-2, 3), }", 24, "negative")]
    [InlineData("{'descr': '<f4', 'fortran_order': False, 'shape': (4611686018427387904, 4611686018427387904), }", 0, "impossibly large")]
    [InlineData("{'fortran_order': False, 'shape': (2, 3), }", 24, "no descr")]
    public void RefusesBadArrays(string dict, int dataBytes, string expected)
    {
        using var dir = new TempDir();
        string path = dir.Write("bad.npy", Npy(dict, dataBytes));
        var e = Assert.Throws<InvalidArrayException>(() => NpyHeader.Read(path));
        Assert.Contains(expected, e.Message);
        Assert.Contains("bad.npy", e.Message);
    }

    [Theory]
    [InlineData(new byte[0])]
    [InlineData(new byte[] { 0x93, (byte)'N', (byte)'U' })]
    [InlineData(new byte[] { (byte)'P', (byte)'K', 3, 4, 0, 0, 0, 0, 0, 0, 0, 0 })]
    public void RefusesFilesThatAreNotNpy(byte[] bytes)
    {
        using var dir = new TempDir();
        string path = dir.Write("not.npy", bytes);
        Assert.Throws<InvalidArrayException>(() => NpyHeader.Read(path));
    }

    [Fact]
    public void RefusesAHeaderLengthBeyondTheFile()
    {
        using var dir = new TempDir();
        byte[] bytes = Npy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", 4);
        bytes[8] = 0xFF;
        bytes[9] = 0xFF;
        string path = dir.Write("long.npy", bytes);
        Assert.Contains("truncated", Assert.Throws<InvalidArrayException>(() => NpyHeader.Read(path)).Message);
    }

    [Fact]
    public void MissingFileAndFolderAreClearErrors()
    {
        using var dir = new TempDir();
        Assert.Contains("not found", Assert.Throws<InvalidArrayException>(() => NpyHeader.Read(dir.File("none.npy"))).Message);
        Assert.Contains("folder", Assert.Throws<InvalidArrayException>(() => NpyHeader.Read(dir.Path)).Message);
    }
}
