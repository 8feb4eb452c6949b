using System.Buffers.Binary;
using System.Runtime.InteropServices;
using NumSharp;
using NumSharp.IO;

namespace FreesoundTagging.IO;

/// <summary>
/// A read-only, memory-mapped .npy array (NumSharp's OpenMemmap): rows are read straight from the page cache,
/// so an array larger than memory costs only the rows in use. The header is validated first (see
/// <see cref="NpyHeader.Read"/>), so a truncated or lying file is refused before it is mapped.
/// </summary>
public sealed unsafe class MappedNpyArray : IDisposable
{
    private readonly NDArray _mapped;
    private readonly byte* _data;

    private MappedNpyArray(string path, NpyHeader header, NDArray mapped)
    {
        Path = path;
        Header = header;
        _mapped = mapped;
        _data = (byte*)mapped.Unsafe.Address;
        RowElements = header.Shape.Length == 0 ? 1 : header.Shape.Skip(1).Aggregate(1L, (a, b) => a * b);
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
            return new MappedNpyArray(path, header, NpyFormat.OpenMemmap(path, "r", 1 << 16));
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
        byte* start = _data + row * RowElements * Dtype.ItemSize();
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

    public void Dispose() => _mapped.Dispose();
}
