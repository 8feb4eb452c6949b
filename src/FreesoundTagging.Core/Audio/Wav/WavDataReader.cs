using System.Buffers;

namespace FreesoundTagging.Audio;

/// <summary>
/// Decodes a WAV's data chunk front to back, whole frames at a time, into interleaved float32 through a pooled
/// buffer of about 64 KiB, rejecting non-finite samples and noticing a file shorter than its length. It reads
/// files (<see cref="WavMonoSource"/>) and ffmpeg's pipe (<see cref="FfmpegMonoSource"/>) alike.
/// </summary>
internal sealed class WavDataReader : IDisposable
{
    private const int BlockBytes = 64 * 1024;

    private readonly Stream _stream;
    private readonly WavFormat _format;
    private readonly string? _path;
    private byte[]? _buffer;
    private long _frames;
    private long _frame;

    /// <param name="path">Named in error messages.</param>
    public WavDataReader(Stream stream, WavLayout layout, string? path)
    {
        _stream = stream;
        _format = layout.Format;
        _path = path;
        // A partial trailing frame of a short file is dropped, like libsndfile.
        _frames = layout.DataBytes / _format.BlockAlign;
        Truncated = layout.Truncated;
        BlockFrames = Math.Max(1, BlockBytes / _format.BlockAlign);
        _buffer = ArrayPool<byte>.Shared.Rent(BlockFrames * _format.BlockAlign);
        stream.Position = layout.DataOffset;
    }

    public WavFormat Format => _format;

    /// <summary>Most frames one <see cref="Read"/> decodes.</summary>
    public int BlockFrames { get; }

    /// <summary>The data chunk declared more than the file holds, or the stream ended before its own length said.</summary>
    public bool Truncated { get; private set; }

    /// <summary>Frames in the data chunk, from the header and the stream's length: what a complete read yields.</summary>
    public long Frames => _frames;

    /// <summary>Decodes the next frames (at most <see cref="BlockFrames"/> and destination.Length / channels) to the start of <paramref name="destination"/>.</summary>
    /// <returns>Frames decoded; 0 at the end.</returns>
    /// <exception cref="InvalidAudioException">A float sample is NaN or infinite.</exception>
    /// <exception cref="IOException">The stream cannot be read.</exception>
    public int Read(Span<float> destination)
    {
        ObjectDisposedException.ThrowIf(_buffer is null, this);
        int channels = _format.ChannelCount;
        int blockAlign = _format.BlockAlign;
        int wantFrames = (int)Math.Min(Math.Min(BlockFrames, destination.Length / channels), _frames - _frame);
        if (wantFrames <= 0) return 0;
        int want = wantFrames * blockAlign;
        int got = _stream.ReadAtLeast(_buffer.AsSpan(0, want), want, throwOnEndOfStream: false);
        int gotFrames = got / blockAlign;
        var samples = destination[..(gotFrames * channels)];
        int bad = SampleDecoder.Decode(_buffer.AsSpan(0, gotFrames * blockAlign), samples, _format.Encoding);
        if (bad >= 0)
        {
            long index = _frame * channels + bad;
            string what = float.IsNaN(samples[bad]) ? "NaN" : "infinite";
            throw new InvalidAudioException(
                $"sample {index} (frame {index / channels}, channel {index % channels}) is {what}; " +
                $"a {_format.Encoding.BytesPerSample() * 8}-bit float WAV must hold finite values", _path);
        }
        _frame += gotFrames;
        if (got < want)
        {
            // The stream ended before its own Length said: what was read is all there is.
            Truncated = true;
            _frames = _frame;
        }
        return gotFrames;
    }

    public void Dispose()
    {
        if (_buffer is null) return;
        ArrayPool<byte>.Shared.Return(_buffer);
        _buffer = null;
    }
}
