using FreesoundTagging.Audio;

namespace FreesoundTagging.Tests.Support;

internal static class SourceReading
{
    /// <summary>Reads a source to its end with destinations of random sizes, from 1 sample to more than a block.</summary>
    public static float[] ReadAll(IMonoSampleSource source, Random sizes)
    {
        var all = new List<float>();
        var buffer = new float[70_000];
        int got;
        while ((got = source.Read(buffer.AsSpan(0, sizes.Next(2) == 0 ? sizes.Next(1, 100) : sizes.Next(1, buffer.Length + 1)))) > 0)
            all.AddRange(buffer.AsSpan(0, got));
        return all.ToArray();
    }
}
