namespace FreesoundTagging.Audio;

/// <summary>
/// A source resampled as it is read, with <see cref="Resampler"/>'s arithmetic: each output is computed once the
/// input reaches the filter's half-width past its position, from a window that keeps only that reach, so the
/// outputs are resampy's on the whole clip, in bounded memory.
/// </summary>
internal sealed class ResamplingSource : IMonoSampleSource
{
    // Input read per refill: large enough that the filter's look-back (2 x 54 samples) is a small overhead.
    private const int BlockSamples = 16 * 1024;

    private readonly IMonoSampleSource _source;
    private readonly double _ratio;
    private readonly double _timeIncrement;
    private readonly int _halfWidth;
    private readonly SampleWindow _input;
    private long _outputLength = -1;
    private long _resampyLength;

    public ResamplingSource(IMonoSampleSource source, int targetRate)
    {
        ArgumentNullException.ThrowIfNull(source);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(source.SampleRate, nameof(source));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(targetRate);
        _source = source;
        SampleRate = targetRate;
        // The same expressions as Resampler.Interpolate, so the output positions round the same way.
        _ratio = (double)targetRate / source.SampleRate;
        _timeIncrement = 1.0 / _ratio;
        _halfWidth = Resampler.HalfWidth(_ratio);
        _input = new SampleWindow(2 * _halfWidth + BlockSamples);
    }

    public int SampleRate { get; }

    public long LengthHint => Resampler.OutputLength(_source.LengthHint, _source.SampleRate, SampleRate);

    public long Position { get; private set; }

    public bool Truncated => _source.Truncated;

    /// <summary>Input samples held at most so far (the window's size): bounded, whatever the clip's length.</summary>
    internal int WindowCapacity => _input.Capacity;

    public int Read(Span<float> destination)
    {
        if (destination.IsEmpty) return 0;
        while (_outputLength < 0)
        {
            int ready = ReadyOutputs(destination.Length);
            if (ready > 0)
            {
                Resampler.Interpolate(_input.Samples, (int)_input.Start, (int)_input.End, (int)Position, destination[..ready], _ratio);
                return Advance(ready);
            }
            if (_input.Fill(_source) == 0)
            {
                long inputLength = _input.End;
                _outputLength = Resampler.OutputLength(inputLength, _source.SampleRate, SampleRate);
                _resampyLength = Resampler.ResampyLength(inputLength, _source.SampleRate, SampleRate);
                if (Position > _resampyLength) throw new InvalidOperationException("streamed past resampy's length");
            }
        }
        // The input has ended: the last outputs see its true end, then fix_length's zeros.
        int count = (int)Math.Min(destination.Length, _outputLength - Position);
        if (count <= 0) return 0;
        int interpolated = (int)Math.Clamp(_resampyLength - Position, 0, count);
        int written = interpolated == 0 ? 0
            : Resampler.Interpolate(_input.Samples, (int)_input.Start, (int)_input.End, (int)Position, destination[..interpolated], _ratio);
        destination[written..count].Clear();
        return Advance(count);
    }

    /// <summary>Outputs from <see cref="Position"/> on whose filter reach lies inside the input read so far.</summary>
    private int ReadyOutputs(int most)
    {
        long lastReadyInput = _input.End - _halfWidth - 1;
        int ready = 0;
        while (ready < most && (int)((Position + ready) * _timeIncrement) <= lastReadyInput) ready++;
        return ready;
    }

    private int Advance(int count)
    {
        Position += count;
        // The next output reads back to HalfWidth - 1 samples before its position.
        _input.DiscardBefore((long)(Position * _timeIncrement) - _halfWidth + 1);
        return count;
    }

    public void Dispose() => _source.Dispose();
}
