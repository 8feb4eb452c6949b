using FreesoundTagging.Datasets;
using FreesoundTagging.Features;
using FreesoundTagging.IO;

namespace FreesoundTagging.Tests.Support;

/// <summary>
/// Writes samples.npy / labels.npy / dataset.json without audio: clip i of class c has a bump in mel band
/// (c × 3) for its true length and noise elsewhere, so a model can learn it in a few steps.
/// </summary>
internal static class SyntheticDataset
{
    public static DatasetFiles Write(string folder, int rows, int classes, int maxFrames = 40, int mels = 16, int seed = 1, NpyDtype dtype = NpyDtype.Float32, Func<int, bool>? verified = null)
    {
        var random = new Random(seed);
        var features = FeatureConfig.Original with { MaxFrames = maxFrames, MelCount = mels };
        var files = DatasetFiles.In(folder);
        var frames = new List<int>();
        var names = new List<string>();
        using (var samples = new NpyRowWriter(files.SamplesPath, dtype, maxFrames, mels))
        using (var labels = new NpyRowWriter(files.LabelsPath, dtype, classes))
        {
            for (int i = 0; i < rows; i++)
            {
                int label = i % classes;
                int length = random.Next(maxFrames / 4, maxFrames * 3 / 2);
                var row = new float[maxFrames * mels];
                for (int t = 0; t < Math.Min(length, maxFrames); t++)
                {
                    for (int m = 0; m < mels; m++) row[t * mels + m] = (float)(random.NextDouble() * 0.5 - 3);
                    row[t * mels + (label * 3) % mels] += 4f;
                }
                samples.WriteRow(row);
                var oneHot = new float[classes];
                oneHot[label] = 1;
                labels.WriteRow(oneHot);
                frames.Add(features.FrameCount((long)length * features.HopLength));
                names.Add($"clip{i:0000}.wav");
            }
            samples.Commit();
            labels.Commit();
        }
        new DatasetInfo
        {
            Features = features,
            Classes = Enumerable.Range(0, classes).Select(c => $"class_{c}").ToList(),
            Fnames = names,
            Frames = frames,
            Verified = names.Select((_, i) => verified?.Invoke(i) ?? true).ToList(),
            Dtype = dtype,
        }.Write(files.DatasetPath);
        return files;
    }
}
