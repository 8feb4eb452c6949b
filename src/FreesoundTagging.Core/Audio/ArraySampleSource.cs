namespace FreesoundTagging.Audio;

/// <summary>Samples already decoded whole (formats without a streaming decoder), read out as a source.</summary>
public sealed class ArraySampleSource(float[] samples, int sampleRate, bool truncated = false) : IMonoSampleSource
{
    public int SampleRate { get; } = sampleRate > 0 ? sampleRate : throw new ArgumentOutOfRangeException(nameof(sampleRate));

    public long LengthHint => samples.Length;

    public long Position { get; private set; }

    public bool Truncated => truncated;

    public int Read(Span<float> destination)
    {
        int count = (int)Math.Min(destination.Length, samples.Length - Position);
        samples.AsSpan((int)Position, count).CopyTo(destination);
        Position += count;
        return count;
    }

    public void Dispose()
    {
    }
}
