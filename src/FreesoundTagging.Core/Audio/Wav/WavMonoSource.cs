using System.Buffers;

namespace FreesoundTagging.Audio;

/// <summary>
/// RIFF/WAVE (PCM 8/16/24/32-bit, IEEE float 32/64, plain or WAVE_FORMAT_EXTENSIBLE) decoded the way soundfile
/// does and averaged to mono block by block (<see cref="ChannelMixer"/>): memory is two 64 KiB blocks whatever the
/// clip's length. Every problem with the input surfaces as <see cref="InvalidAudioException"/>.
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
            CheckLength(layout.DataBytes / layout.Format.BlockAlign * layout.Format.ChannelCount, path);
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

    // Past what one float array holds a clip is refused, so that reading it whole (ReadToEnd) always fits.
    private static void CheckLength(long sampleCount, string? path)
    {
        if (sampleCount > Array.MaxLength)
            throw new InvalidAudioException($"too long to decode: {sampleCount} samples (at most {Array.MaxLength})", path);
    }

    public void Dispose()
    {
        _reader.Dispose();
        _stream.Dispose();
        if (_interleaved is not null) ArrayPool<float>.Shared.Return(_interleaved);
        _interleaved = null;
    }
}
