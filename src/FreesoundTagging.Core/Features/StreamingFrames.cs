using FreesoundTagging.Audio;

namespace FreesoundTagging.Features;

/// <summary>
/// The centre-padded STFT frames of a clip read from a source, in order, each exactly the FftSize samples of the
/// centre-padded clip (librosa center=True) it covers: frames inside the clip are slices of a sliding window, the few that reach
/// into the padding are assembled with <see cref="CenterPadding"/>'s rule. The first frames wait for FftSize
/// samples (their reflection reads up to FftSize - 2); the last ones, once the clip's length is known, read
/// their reflection from the tail the window kept. Memory is FftSize plus one block of samples, reused from clip
/// to clip (<see cref="Begin"/>): a per-clip window would be gen0 garbage that, with thousands of clips, raised
/// `inputs`' peak RSS by ~25 MB.
/// </summary>
internal sealed class StreamingFrames
{
    // Samples read per refill: the FftSize samples kept between refills are copied down once per block.
    private const int BlockSamples = 16 * 1024;

    private IMonoSampleSource? _source;
    private readonly int _fftSize;
    private readonly int _hop;
    private readonly StftPadMode _mode;
    private readonly SampleWindow _window;
    private readonly float[] _edge;
    private int _next;
    private int _frameCount = -1;
    private int _currentOffset = -1;

    public StreamingFrames(FeatureConfig config)
    {
        _fftSize = config.FftSize;
        _hop = config.HopLength;
        _mode = config.PadMode;
        _window = new SampleWindow(_fftSize + BlockSamples);
        _edge = new float[_fftSize];
    }

    /// <summary>Starts over on a new clip: the next frame is its first.</summary>
    public void Begin(IMonoSampleSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        _source = source;
        _window.Clear();
        _next = 0;
        _frameCount = -1;
        _currentOffset = -1;
    }

    /// <summary>The frame <see cref="Next"/> moved to; valid until the next call.</summary>
    public ReadOnlySpan<float> Current => _currentOffset < 0 ? _edge : _window.Samples.Slice(_currentOffset, _fftSize);

    /// <summary>Samples the window has room for: FftSize plus a block, unless a bug stopped it discarding.</summary>
    public int WindowCapacity => _window.Capacity;

    /// <summary>Moves to the next frame, reading the source as far as that frame needs.</summary>
    /// <returns>False after the last frame (1 + samples / HopLength of them; none for an empty clip) and before <see cref="Begin"/>.</returns>
    public bool Next()
    {
        if (_source is null) return false;
        long start = (long)_next * _hop - _fftSize / 2;
        while (_frameCount < 0)
        {
            if (start < 0 ? _window.End >= _fftSize : start + _fftSize <= _window.End)
            {
                Produce(start, _window.End);
                return true;
            }
            // This frame, and so every later one, reads nothing before start - 1 (a last frame's reflection
            // reaches one sample before it: see Produce).
            _window.DiscardBefore(start - 1);
            if (_window.Fill(_source) == 0) _frameCount = _window.End == 0 ? 0 : FrameCount(_window.End);
        }
        if (_next >= _frameCount)
        {
            // Done with the clip: do not keep its source (and its decoder's buffers) alive until the next.
            _source = null;
            return false;
        }
        Produce(start, _window.End);
        return true;
    }

    private int FrameCount(long samples) => (int)(1 + samples / _hop);

    /// <summary>
    /// Makes the frame at <paramref name="start"/> current, reading the signal as <paramref name="length"/> samples
    /// long. Before the end that is only asked for frames whose padded samples do not depend on the true length (the
    /// left edge's reflection stays below FftSize). A last frame starts at most FftSize/2 before the end, so its
    /// reflection reads no earlier than start - 1, which the window keeps.
    /// </summary>
    private void Produce(long start, long length)
    {
        _next++;
        ReadOnlySpan<float> held = _window.Samples;
        long first = _window.Start;
        if (start >= first && start + _fftSize <= length)
        {
            _currentOffset = (int)(start - first);
            return;
        }
        _currentOffset = -1;
        for (int i = 0; i < _fftSize; i++)
        {
            int index = CenterPadding.SourceIndex(start + i, length, _mode);
            if (index >= 0 && index < first) throw new InvalidOperationException($"frame at {start} reads sample {index}, already discarded (window starts at {first})");
            _edge[i] = index < 0 ? 0f : held[(int)(index - first)];
        }
    }
}
