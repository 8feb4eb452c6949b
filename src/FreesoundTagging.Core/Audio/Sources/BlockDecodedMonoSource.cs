using System.Buffers;

namespace FreesoundTagging.Audio;

/// <summary>
/// Mono samples from a managed decoder that fills interleaved blocks (NLayer, NVorbis). Each block's whole frames
/// are averaged with <see cref="ChannelMixer"/> and handed out, a partial frame is carried to the next block (and
/// dropped at the end: a decoder cut off mid-frame), so one block is held whatever the clip's length. Frames outside
/// [skip, skip + keep) are decoded and dropped, which is MP3's gapless trim; the file is still decoded to its end,
/// so a bad frame past the kept range fails the clip rather than going unnoticed.
/// </summary>
internal abstract class BlockDecodedMonoSource : IMonoSampleSource
{
    private readonly int _channels;
    private readonly int _blockSamples;
    private readonly long _skipFrames;
    private readonly long _endFrame;
    private float[]? _block;
    private int _start;
    private int _end;
    private long _decodedSamples;
    private long _frame;
    private bool _ended;

    /// <param name="blockSamples">Interleaved samples asked of the decoder per call.</param>
    /// <param name="skipFrames">Frames dropped at the start.</param>
    /// <param name="keepFrames">Frames kept after them; long.MaxValue keeps all.</param>
    protected BlockDecodedMonoSource(int channels, int sampleRate, int blockSamples, long skipFrames, long keepFrames, string? path)
    {
        _channels = channels;
        SampleRate = sampleRate;
        _blockSamples = blockSamples;
        _skipFrames = skipFrames;
        _endFrame = keepFrames == long.MaxValue ? long.MaxValue : skipFrames + keepFrames;
        FilePath = path;
        // Room for a carried partial frame before the block; pooled, as a block per clip would be garbage by the thousand.
        _block = ArrayPool<float>.Shared.Rent(blockSamples + channels);
    }

    public int SampleRate { get; }

    /// <summary>The file, for messages.</summary>
    protected string? FilePath { get; }

    public abstract long LengthHint { get; }

    public long Position { get; private set; }

    /// <summary>The decoder gave fewer frames than skip + keep (a cut-short MP3 whose header promised more).</summary>
    public bool Truncated => _ended && _endFrame != long.MaxValue && _frame < _endFrame;

    public int Read(Span<float> destination)
    {
        ObjectDisposedException.ThrowIf(_block is null, this);
        if (destination.IsEmpty) return 0;
        while (true)
        {
            int whole = (_end - _start) / _channels;
            if (whole > 0)
            {
                if (_frame < _skipFrames || _frame >= _endFrame)
                {
                    long dropUntil = _frame < _skipFrames ? _skipFrames : long.MaxValue;
                    int drop = (int)Math.Min(whole, dropUntil - _frame);
                    _start += drop * _channels;
                    _frame += drop;
                    continue;
                }
                int count = (int)Math.Min(Math.Min(whole, destination.Length), _endFrame - _frame);
                ChannelMixer.ToMono(_block.AsSpan(_start, count * _channels), _channels, destination);
                _start += count * _channels;
                _frame += count;
                Position += count;
                return count;
            }
            if (_ended) return 0;
            Refill();
        }
    }

    private void Refill()
    {
        float[] block = _block!;
        int carried = _end - _start;
        if (carried > 0) Array.Copy(block, _start, block, 0, carried);
        _start = 0;
        _end = carried;
        int read;
        try
        {
            read = Decode(block, carried, _blockSamples);
        }
        catch (Exception e) when (e is not (InvalidAudioException or OutOfMemoryException))
        {
            // The decoders report bad data with whatever exception their parser hits; to the user it is one thing.
            throw Malformed(e);
        }
        if (read <= 0)
        {
            // A trailing partial frame (a decoder cut off mid-frame) is dropped.
            _ended = true;
            _end = 0;
            return;
        }
        // Past what one float array holds a clip is refused, so that reading it whole (ReadToEnd) always fits.
        if (_decodedSamples + read > Array.MaxLength)
            throw new InvalidAudioException($"too long to decode: more than {Array.MaxLength} samples", FilePath);
        _decodedSamples += read;
        _end = carried + read;
    }

    /// <summary>Decodes the next interleaved samples into buffer[offset..offset + count].</summary>
    /// <returns>Samples written; 0 at the end of the stream.</returns>
    protected abstract int Decode(float[] buffer, int offset, int count);

    /// <summary>The error the user sees for an exception the decoder threw on bad data.</summary>
    protected abstract InvalidAudioException Malformed(Exception e);

    /// <summary>Disposes the decoder and the stream it reads.</summary>
    protected abstract void DisposeDecoder();

    public void Dispose()
    {
        if (_block is null) return;
        DisposeDecoder();
        ArrayPool<float>.Shared.Return(_block);
        _block = null;
    }
}
