using System.Diagnostics;
using FreesoundTagging.Features;
using FreesoundTagging.Recipes;
using FreesoundTagging.Training;

/// <summary>bench degrade [batches] [probability]: milliseconds the recording degradations add to the batch assembler
/// per batch of the deep recipe (32 crops of 128 frames, 64 bands, the best recipe's features), with every kind at the
/// given probability (default 1: every example gets all five), beside a batch with none.</summary>
internal static class Degrade
{
    public static int Run(int batches, double probability)
    {
        const int count = 32, frames = 128, bands = 64;
        var features = new FeatureConfig { LogReference = LogReference.ClipPeak, LogOffset = 1e-6, FMinHz = 20, FMaxHz = 16000 };
        var degrader = new RecordingDegrader(features, new RecordingDegradations(probability, probability, probability, probability, probability));
        var source = new float[count * frames * bands];
        var random = new Random(1);
        // Log-mel-like values: a floor near ln(1e-6) with louder cells up to the peak (0).
        for (int k = 0; k < source.Length; k++) source[k] = (float)(-13.8 + 13.8 * Math.Pow(random.NextDouble(), 3));
        var batch = new float[source.Length];
        var times = new List<double>();
        for (int b = 0; b <= batches; b++)
        {
            source.CopyTo(batch, 0);
            var clock = Stopwatch.StartNew();
            degrader.Apply(new Random(b), count, frames, batch);
            if (b > 0) times.Add(clock.Elapsed.TotalMilliseconds);
        }
        times.Sort();
        Console.WriteLine($"recording degradations at probability {probability:G3}, {count} crops x {frames} frames x {bands} bands: " +
            $"median {times[times.Count / 2]:F1} ms per batch (min {times[0]:F1}, max {times[^1]:F1}) over {batches} batches, one thread");
        return 0;
    }
}
