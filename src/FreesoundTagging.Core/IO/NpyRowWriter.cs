using System.Buffers.Binary;
using System.Runtime.InteropServices;
using FreesoundTagging.Runtime;
using NumSharp.IO;

namespace FreesoundTagging.IO;

/// <summary>
/// Streams an (N, ...row shape) array to a .npy file one row at a time, so an array larger than memory can be
/// written. The header is written by NumSharp with numpy's growth padding; <see cref="Commit"/> rewrites it with
/// the final row count (which may be fewer than planned when rows are skipped) and renames the file into place.
/// With <see cref="Sparse"/> (the default), a row's trailing zero bytes of at least <see cref="MinHoleBytes"/> are not
/// written but skipped, so a padded row's zero tail becomes a file hole: the file reads back the same bytes (holes
/// read as zeros, on a file system without holes the system writes the zeros itself) and takes only its content's
/// blocks on disk.
/// </summary>
public sealed class NpyRowWriter : IDisposable
{
    private readonly AtomicFile _file;
    private readonly long[] _rowShape;
    private readonly int _rowElements;
    private readonly byte[] _buffer;
    private readonly int _headerLength;

    public NpyRowWriter(string path, NpyDtype dtype, params long[] rowShape)
    {
        Dtype = dtype;
        _rowShape = rowShape;
        _rowElements = checked((int)rowShape.Aggregate(1L, (a, b) => a * b));
        _buffer = new byte[_rowElements * dtype.ItemSize()];
        _file = AtomicFile.Create(path, 1 << 20);
        WriteHeader(0);
        _headerLength = (int)_file.Stream.Position;
    }

    /// <summary>The shortest zero tail left as a hole: one page; shorter tails are written.</summary>
    public const int MinHoleBytes = 4096;

    /// <summary>Whether new writers leave zero tails as holes: yes unless FREESOUND_SPARSE_NPY=0 (benchmarks).</summary>
    public static bool SparseByDefault { get; } = EnvironmentSwitches.Current.SparseNpy;

    public NpyDtype Dtype { get; }

    /// <summary>Leave each row's zero tail as a file hole instead of writing the zeros.</summary>
    public bool Sparse { get; init; } = SparseByDefault;

    public long RowCount { get; private set; }

    public string Path => _file.FinalPath;

    /// <summary>Appends one row, converting from float32 when the file holds float64.</summary>
    public void WriteRow(ReadOnlySpan<float> row)
    {
        if (row.Length != _rowElements) throw new ArgumentException($"row has {row.Length} values, expected {_rowElements}");
        switch (Dtype)
        {
            case NpyDtype.Float32:
                if (BitConverter.IsLittleEndian) MemoryMarshal.AsBytes(row).CopyTo(_buffer);
                else for (int i = 0; i < row.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(_buffer.AsSpan(i * 4), row[i]);
                break;
            case NpyDtype.Float64:
                for (int i = 0; i < row.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(_buffer.AsSpan(i * 8), row[i]);
                break;
            default:
                throw new InvalidOperationException($"{Dtype} rows are written with WriteRow(ReadOnlySpan<int>)");
        }
        Write(_buffer);
    }

    public void WriteRow(ReadOnlySpan<int> row)
    {
        if (Dtype != NpyDtype.Int32) throw new InvalidOperationException($"this file holds {Dtype}");
        if (row.Length != _rowElements) throw new ArgumentException($"row has {row.Length} values, expected {_rowElements}");
        for (int i = 0; i < row.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(_buffer.AsSpan(i * 4), row[i]);
        Write(_buffer);
    }

    /// <summary>Fixes the row count in the header, flushes and renames the file into place.</summary>
    public void Commit()
    {
        _file.Stream.Flush();
        // The last rows' zero tails were skipped: the length covers them (as a hole).
        if (Sparse) SetLength(_headerLength + RowCount * _buffer.Length);
        _file.Stream.Position = 0;
        WriteHeader(RowCount);
        if (_file.Stream.Position != _headerLength)
            throw new InvalidOperationException("npy header changed size on rewrite");
        _file.Stream.Seek(0, SeekOrigin.End);
        _file.Commit();
    }

    public void Dispose() => _file.Dispose();

    private void Write(byte[] bytes)
    {
        int content = bytes.Length;
        if (Sparse)
        {
            content = bytes.AsSpan().LastIndexOfAnyExcept((byte)0) + 1;
            if (bytes.Length - content < MinHoleBytes) content = bytes.Length;
        }
        try
        {
            _file.Stream.Write(bytes, 0, content);
            if (content < bytes.Length) _file.Stream.Seek(bytes.Length - content, SeekOrigin.Current);
        }
        catch (IOException e)
        {
            throw new InvalidInputException($"write failed ({e.Message})", _file.FinalPath, e);
        }
        RowCount++;
    }

    private void SetLength(long length)
    {
        try
        {
            _file.Stream.SetLength(length);
        }
        catch (IOException e)
        {
            throw new InvalidInputException($"write failed ({e.Message})", _file.FinalPath, e);
        }
    }

    private void WriteHeader(long rows)
    {
        var shape = new long[_rowShape.Length + 1];
        shape[0] = rows;
        _rowShape.CopyTo(shape, 1);
        var header = new Dictionary<string, object>
        {
            ["descr"] = Dtype.Descr(),
            ["fortran_order"] = false,
            ["shape"] = shape,
        };
        NpyFormat.WriteArrayHeader(_file.Stream, header, null);
    }
}
