namespace FreesoundTagging.Audio;

/// <summary>
/// A pipe dressed as a seekable stream of unknown length, so that <see cref="WavChunkScanner"/> and
/// <see cref="WavDataReader"/> can read ffmpeg's WAV output as it arrives: seeking forward reads and discards, the
/// first <see cref="HeadBytes"/> bytes are kept so a seek back into the header still works, and
/// <see cref="Length"/> is long.MaxValue (the true length is known only at the end, where reads return 0, which
/// the WAV reader takes as the data's end). The inner stream is not closed with this one: its owner (the ffmpeg
/// process) decides when the pipe goes.
/// </summary>
internal sealed class ForwardOnlyStream(Stream inner) : Stream
{
    /// <summary>Bytes kept from the start: well past the RIFF, fmt and LIST chunks ffmpeg writes (about 100 bytes).</summary>
    public const int HeadBytes = 4096;

    private readonly byte[] _head = new byte[HeadBytes];
    private long _position;

    /// <summary>Bytes read from the pipe so far.</summary>
    public long BytesRead { get; private set; }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => long.MaxValue;

    public override long Position
    {
        get => _position;
        set
        {
            if (value < 0) throw new IOException("cannot seek before the start of the pipe");
            _position = value;
        }
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty) return 0;
        if (_position < BytesRead)
        {
            if (_position >= HeadBytes) throw new IOException($"cannot go back to byte {_position} of a pipe (only its first {HeadBytes} bytes are kept)");
            int kept = (int)Math.Min(buffer.Length, Math.Min(BytesRead, HeadBytes) - _position);
            _head.AsSpan((int)_position, kept).CopyTo(buffer);
            _position += kept;
            return kept;
        }
        Span<byte> skip = stackalloc byte[512];
        while (_position > BytesRead)
        {
            if (ReadInner(skip[..(int)Math.Min(skip.Length, _position - BytesRead)]) == 0) return 0;
        }
        int got = ReadInner(buffer);
        _position += got;
        return got;
    }

    private int ReadInner(Span<byte> buffer)
    {
        int got = inner.Read(buffer);
        if (BytesRead < HeadBytes)
        {
            int keep = (int)Math.Min(got, HeadBytes - BytesRead);
            buffer[..keep].CopyTo(_head.AsSpan((int)BytesRead));
        }
        BytesRead += got;
        return got;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => throw new NotSupportedException("a pipe has no known end to seek from"),
        };
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
