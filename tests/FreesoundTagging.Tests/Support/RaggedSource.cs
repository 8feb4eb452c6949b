using FreesoundTagging.Audio;

namespace FreesoundTagging.Tests.Support;

/// <summary>
/// A sample source that hands out its samples in chunks of seeded random sizes (1 to <paramref name="largestChunk"/>,
/// never more than asked), so the streaming consumers meet every block boundary a real decoder could give.
/// Samples come from <paramref name="sampleAt"/>, so a long clip need not exist as an array.
/// </summary>
internal sealed class RaggedSource(Func<long, float> sampleAt, long length, int sampleRate, int largestChunk, int seed = 1) : IMonoSampleSource
{
    private readonly Random _random = new(seed);

    public RaggedSource(float[] samples, int sampleRate, int largestChunk, int seed = 1)
        : this(i => samples[i], samples.Length, sampleRate, largestChunk, seed) { }

    /// <summary>A deterministic tone plus noise, computed per position: no array of the clip is ever made.</summary>
    public static RaggedSource Synthetic(long length, int sampleRate, int largestChunk) =>
        new(i => (float)(0.4 * Math.Sin(i * 0.0627) + 0.05 * Math.Sin(i * i % 7919)), length, sampleRate, largestChunk);

    public int SampleRate => sampleRate;

    public long LengthHint => length;

    public long Position { get; private set; }

    public bool Truncated => false;

    /// <summary>The largest destination a consumer asked to fill.</summary>
    public int LargestRequest { get; private set; }

    public int Read(Span<float> destination)
    {
        LargestRequest = Math.Max(LargestRequest, destination.Length);
        int count = (int)Math.Min(Math.Min(destination.Length, _random.Next(1, largestChunk + 1)), length - Position);
        for (int i = 0; i < count; i++) destination[i] = sampleAt(Position + i);
        Position += count;
        return count;
    }

    public void Dispose()
    {
    }
}
