using System.Buffers.Binary;
using System.Runtime.InteropServices;
using NumSharp;
using NumSharp.IO;

namespace FreesoundTagging.IO;

/// <summary>
/// A read-only, memory-mapped .npy array (NumSharp's OpenMemmap): rows are read straight from the page cache,
/// so an array larger than memory costs only the rows in use. The header is validated first (see
/// <see cref="NpyHeader.Read"/>), so a truncated or lying file is refused before it is mapped. The part of a row
/// that lies in a file hole (inputs leaves each row's padding as one, <see cref="NpyRowWriter.Sparse"/>) is not read
/// but filled with zeros, which is what it holds (<see cref="FileHoles"/>).
/// </summary>
public sealed unsafe class MappedNpyArray : IDisposable
{
    private readonly NDArray _mapped;
    private readonly byte* _data;
    private readonly FileHoles _holes;

    /// <summary>Per row, the elements [start, end) that lie in its first hole; start −1 until asked.</summary>
    private readonly (long Start, long End)[] _holeElements;

    private MappedNpyArray(string path, NpyHeader header, NDArray mapped, FileHoles holes)
    {
        Path = path;
        Header = header;
        _mapped = mapped;
        _holes = holes;
        _data = (byte*)mapped.Unsafe.Address;
        RowElements = header.Shape.Length == 0 ? 1 : header.Shape.Skip(1).Aggregate(1L, (a, b) => a * b);
        _holeElements = new (long, long)[RowCount];
        Array.Fill(_holeElements, (-1L, -1L));
    }

    public string Path { get; }

    public NpyHeader Header { get; }

    public NpyDtype Dtype => Header.Dtype;

    public long[] Shape => Header.Shape;

    public long RowCount => Shape.Length == 0 ? 1 : Shape[0];

    public long RowElements { get; }

    /// <exception cref="InvalidArrayException">Not a readable, complete, C-order float .npy file.</exception>
    public static MappedNpyArray Open(string path)
    {
        NpyHeader header = NpyHeader.Read(path);
        if (header.Shape.Length == 0) throw new InvalidArrayException("is a 0-d array, expected rows", path);
        if (header.DataLength == 0) throw new InvalidArrayException($"has no data (shape ({string.Join(", ", header.Shape)}))", path);
        try
        {
            return new MappedNpyArray(path, header, NpyFormat.OpenMemmap(path, "r", 1 << 16), FileHoles.Open(path));
        }
        catch (Exception e) when (e is FormatException or IOException or UnauthorizedAccessException)
        {
            throw new InvalidArrayException($"cannot map ({e.Message})", path, e);
        }
    }

    /// <summary>Copies row <paramref name="row"/> (or its first destination.Length values) as float32.</summary>
    public void ReadRow(long row, Span<float> destination)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(row);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(row, RowCount);
        int count = (int)Math.Min(destination.Length, RowElements);
        var (holeStart, holeEnd) = HoleElements(row);
        int zeroStart = (int)Math.Min(count, holeStart), zeroEnd = (int)Math.Min(count, holeEnd);
        Copy(row, 0, destination[..zeroStart]);
        destination[zeroStart..zeroEnd].Clear();
        Copy(row, zeroEnd, destination[zeroEnd..count]);
    }

    private void Copy(long row, int first, Span<float> destination)
    {
        int count = destination.Length;
        if (count == 0) return;
        byte* start = _data + (row * RowElements + first) * Dtype.ItemSize();
        switch (Dtype)
        {
            case NpyDtype.Float32:
                new ReadOnlySpan<float>(start, count).CopyTo(destination);
                break;
            case NpyDtype.Float64:
                var doubles = new ReadOnlySpan<double>(start, count);
                for (int i = 0; i < count; i++) destination[i] = (float)doubles[i];
                break;
            case NpyDtype.Int32:
                var ints = new ReadOnlySpan<int>(start, count);
                for (int i = 0; i < count; i++) destination[i] = ints[i];
                break;
        }
    }

    /// <summary>The elements of <paramref name="row"/> that lie in a file hole (whole elements only; empty where
    /// there is none), which read as zeros without touching the mapping; asked of the system once per row.</summary>
    internal (long Start, long End) HoleElements(long row)
    {
        lock (_holeElements)
        {
            if (_holeElements[row].Start >= 0) return _holeElements[row];
        }
        int itemSize = Dtype.ItemSize();
        long start = Header.DataOffset + row * RowElements * itemSize, end = start + RowElements * itemSize;
        var (holeStart, holeEnd) = _holes.FirstHole(start, end);
        // Whole elements only: round the hole's start up and its end down.
        long first = (holeStart - start + itemSize - 1) / itemSize, last = (holeEnd - start) / itemSize;
        var elements = last > first ? (first, last) : (RowElements, RowElements);
        lock (_holeElements) _holeElements[row] = elements;
        return elements;
    }

    public void Dispose()
    {
        _mapped.Dispose();
        _holes.Dispose();
    }
}
