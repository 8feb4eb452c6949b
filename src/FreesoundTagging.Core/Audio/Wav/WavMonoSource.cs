using System.Buffers;

namespace FreesoundTagging.Audio;

/// <summary>
/// A WAV file's samples averaged to mono block by block (<see cref="ChannelMixer"/>, the arithmetic of
/// <see cref="AudioClip.ToMono"/>): memory is two 64 KiB blocks whatever the clip's length, and the samples are
/// the bits <see cref="WavReader"/> then <see cref="AudioClip.ToMono"/> give.
/// </summary>
internal sealed class WavMonoSource : IMonoSampleSource
{
    private readonly Stream _stream;
    private readonly string? _path;
    private readonly WavDataReader _reader;
    private readonly int _channels;
    private float[]? _interleaved;

    /// <summary>Reads the header now; takes ownership of <paramref name="stream"/> (seekable), also when it throws.</summary>
    /// <exception cref="InvalidAudioException">The stream is unreadable or not a WAV we can decode.</exception>
    public WavMonoSource(Stream stream, string? path)
    {
        _stream = stream;
        _path = path;
        try
        {
            var layout = WavChunkScanner.Scan(stream, path);
            WavReader.CheckLength(layout.DataBytes / layout.Format.BlockAlign * layout.Format.ChannelCount, path);
            _reader = new WavDataReader(stream, layout, path);
        }
        catch (IOException e)
        {
            stream.Dispose();
            throw new InvalidAudioException($"read failed: {e.Message}", path, e);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
        _channels = _reader.Format.ChannelCount;
        if (_channels > 1) _interleaved = ArrayPool<float>.Shared.Rent(_reader.BlockFrames * _channels);
    }

    public int SampleRate => _reader.Format.SampleRate;

    public long LengthHint => _reader.Frames;

    public long Position { get; private set; }

    public bool Truncated => _reader.Truncated;

    public int Read(Span<float> destination)
    {
        try
        {
            int frames;
            if (_channels == 1) frames = _reader.Read(destination);
            else
            {
                int want = Math.Min(destination.Length, _reader.BlockFrames);
                frames = _reader.Read(_interleaved.AsSpan(0, want * _channels));
                ChannelMixer.ToMono(_interleaved.AsSpan(0, frames * _channels), _channels, destination);
            }
            Position += frames;
            return frames;
        }
        catch (IOException e)
        {
            throw new InvalidAudioException($"read failed: {e.Message}", _path, e);
        }
    }

    public void Dispose()
    {
        _reader.Dispose();
        _stream.Dispose();
        if (_interleaved is not null) ArrayPool<float>.Shared.Return(_interleaved);
        _interleaved = null;
    }
}
