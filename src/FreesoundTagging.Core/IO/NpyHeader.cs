using System.Buffers.Binary;
using System.Text;
using System.Text.RegularExpressions;

namespace FreesoundTagging.IO;

/// <summary>What a .npy header says, checked against the file's real length before anything trusts it.</summary>
public sealed partial record NpyHeader(NpyDtype Dtype, long[] Shape, long DataOffset)
{
    private const int MaxHeaderLength = 1 << 16;

    public long ElementCount => Shape.Aggregate(1L, (a, b) => checked(a * b));

    public long DataLength => checked(ElementCount * Dtype.ItemSize());

    /// <summary>Reads and validates the header of <paramref name="path"/>.</summary>
    /// <exception cref="InvalidArrayException">Not a .npy file, an unsupported dtype, Fortran order, a shape
    /// that disagrees with the file's length (truncated or lying header).</exception>
    public static NpyHeader Read(string path)
    {
        // stat only: a FIFO named samples.npy would block the open below.
        if (RegularFile.Problem(path, "a .npy file") is { } problem) throw new InvalidArrayException(problem, path);
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096);
        long fileLength = stream.Length;
        Span<byte> prefix = stackalloc byte[12];
        int got = stream.ReadAtLeast(prefix, 12, throwOnEndOfStream: false);
        if (got < 10 || prefix[0] != 0x93 || !prefix[1..6].SequenceEqual("NUMPY"u8))
            throw new InvalidArrayException("not a .npy file (bad magic)", path);
        byte major = prefix[6];
        int lengthSize = major switch
        {
            1 => 2,
            2 or 3 => 4,
            _ => throw new InvalidArrayException($"unsupported .npy format version {major}.{prefix[7]}", path),
        };
        long headerLength = lengthSize == 2
            ? BinaryPrimitives.ReadUInt16LittleEndian(prefix[8..])
            : got >= 12 ? BinaryPrimitives.ReadUInt32LittleEndian(prefix[8..]) : long.MaxValue;
        long dataOffset = 8 + lengthSize + headerLength;
        if (headerLength > MaxHeaderLength || dataOffset > fileLength)
            throw new InvalidArrayException("truncated .npy header", path);
        var headerBytes = new byte[headerLength];
        stream.Position = 8 + lengthSize;
        stream.ReadExactly(headerBytes);
        string text = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);

        string descr = DescrPattern().Match(text) is { Success: true } d ? d.Groups[1].Value
            : throw new InvalidArrayException("npy header has no descr", path);
        NpyDtype dtype = descr switch
        {
            "<f4" => NpyDtype.Float32,
            "<f8" => NpyDtype.Float64,
            "<i4" => NpyDtype.Int32,
            _ => throw new InvalidArrayException($"unsupported dtype '{descr}' (expected float32 or float64, little-endian)", path),
        };
        if (FortranPattern().Match(text) is not { Success: true } f)
            throw new InvalidArrayException("npy header has no fortran_order", path);
        if (f.Groups[1].Value == "True")
            throw new InvalidArrayException("Fortran-order array: save it in C order (numpy.ascontiguousarray)", path);
        if (ShapePattern().Match(text) is not { Success: true } s)
            throw new InvalidArrayException("npy header has no shape", path);
        long[] shape;
        try
        {
            shape = s.Groups[1].Value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                .Select(v => long.Parse(v.TrimEnd('L'), System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        }
        catch (FormatException)
        {
            throw new InvalidArrayException($"npy header has an unreadable shape ({s.Groups[1].Value})", path);
        }
        var header = new NpyHeader(dtype, shape, dataOffset);
        if (shape.Any(v => v < 0)) throw new InvalidArrayException("npy header has a negative dimension", path);
        long expected;
        try
        {
            expected = checked(dataOffset + header.DataLength);
        }
        catch (OverflowException)
        {
            throw new InvalidArrayException($"npy shape ({string.Join(", ", shape)}) is impossibly large", path);
        }
        if (fileLength < expected)
            throw new InvalidArrayException($"truncated: shape ({string.Join(", ", shape)}) needs {expected} bytes, the file has {fileLength}", path);
        if (fileLength > expected)
            throw new InvalidArrayException($"{fileLength - expected} bytes beyond what shape ({string.Join(", ", shape)}) describes", path);
        return header;
    }

    [GeneratedRegex(@"'descr'\s*:\s*'([^']*)'")]
    private static partial Regex DescrPattern();

    [GeneratedRegex(@"'fortran_order'\s*:\s*(True|False)")]
    private static partial Regex FortranPattern();

    [GeneratedRegex(@"'shape'\s*:\s*\(([^)]*)\)")]
    private static partial Regex ShapePattern();
}
