namespace FreesoundTagging.Audio;

/// <summary>What any <see cref="IMonoSampleSource"/> can do with its own members.</summary>
public static class MonoSampleSourceExtensions
{
    // Samples asked for per read when the source does not know its length; the array doubles from there.
    private const int FirstBlock = 64 * 1024;

    /// <summary>
    /// The rest of the source in one array: a whole-clip load is the stream read to its end, as librosa's
    /// <c>load</c> and <c>stream</c> share one reader, so every format has one decoder. The array is sized from
    /// <see cref="IMonoSampleSource.LengthHint"/> only up to what was really read, since a header can claim anything.
    /// </summary>
    /// <exception cref="InvalidAudioException">The source cannot be read, or holds more samples than one array.</exception>
    public static float[] ReadToEnd(this IMonoSampleSource source)
    {
        ArgumentNullException.ThrowIfNull(source);
        var samples = new float[(int)Math.Clamp(source.LengthHint - source.Position, FirstBlock, FirstBlock * 64)];
        int count = 0;
        while (true)
        {
            if (count == samples.Length)
            {
                if (count == Array.MaxLength)
                {
                    if (source.Read(new float[1]) == 0) break;
                    throw new InvalidAudioException($"too long to hold: more than {Array.MaxLength} samples");
                }
                Array.Resize(ref samples, (int)Math.Min(Array.MaxLength, 2L * count));
            }
            int got = source.Read(samples.AsSpan(count));
            if (got == 0) break;
            count += got;
        }
        return count == samples.Length ? samples : samples[..count];
    }
}
