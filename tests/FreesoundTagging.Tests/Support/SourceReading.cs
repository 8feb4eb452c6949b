using FreesoundTagging.Audio;
using FreesoundTagging.Features;

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

    /// <summary>The file as the production path gives it (<see cref="AudioLoader.OpenMono"/>), read to its end.</summary>
    public static float[] LoadMono(string path, int sampleRate)
    {
        using var source = AudioLoader.OpenMono(path, sampleRate);
        return source.ReadToEnd();
    }

    /// <summary>The file's log-mel through the production path: decoded, resampled and framed as it is read.</summary>
    public static LogMel LogMelOf(LogMelExtractor extractor, string path)
    {
        using var source = AudioLoader.OpenMono(path, extractor.Config.SampleRate);
        return extractor.Extract(source);
    }

    /// <summary>The log-mel of a clip held in memory, through the extractor's one path: a source read in blocks.</summary>
    public static LogMel Extract(this LogMelExtractor extractor, float[] samples) =>
        extractor.Extract(new RaggedSource(samples, extractor.Config.SampleRate, 16 * 1024));
}
