using FreesoundTagging.Audio;
using FreesoundTagging.Features;
using FreesoundTagging.Inference;
using FreesoundTagging.Models;
using FreesoundTagging.Runtime;
using FreesoundTagging.Tests.Support;
using FreesoundTagging.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Inference;

[Collection(TorchCollection.Name)]
public class PredictorTests
{
    public PredictorTests() => TorchRuntime.Initialise();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ClipsAreFedAsTheModelWasTrained(bool lengthBucketed)
    {
        using var dir = new TempDir();
        var (audio, _, rows) = TinyCorpus.Write(dir.Path, perClass: 1);
        var features = FeatureConfig.Original with { MaxFrames = 150 };
        torch.manual_seed(4);
        using var model = Cnn1dModel.Create(ModelVariant.Cnn1d, 64, 3);
        var paths = rows.Select(r => Path.Combine(audio, r.Fname)).ToList();

        var predictions = new Predictor(model, features, batchSize: 1, threads: 1, device: "cpu", lengthBucketed).Predict(paths);

        var extractor = new LogMelExtractor(features);
        for (int i = 0; i < paths.Count; i++)
        {
            var mel = SourceReading.LogMelOf(extractor, paths[i]);
            int frames = lengthBucketed ? mel.Frames : Math.Max(mel.Frames, features.MaxFrames);
            var input = new float[frames * 64];
            mel.Values.CopyTo(input, 0);
            using var scope = NewDisposeScope();
            float[] expected = model.PredictProbabilities(tensor(input, new long[] { 1, frames, 64 })).data<float>().ToArray();
            Assert.Equal(expected, predictions[i].Probabilities!, new Tolerance(1e-5));
        }
    }

    [Fact]
    public void ACropTrainedModelAveragesSlidingWindowsLoopingShortClips()
    {
        using var dir = new TempDir();
        var (audio, _, rows) = TinyCorpus.Write(dir.Path, perClass: 1);
        var features = FeatureConfig.Original with { MaxFrames = 150 };
        torch.manual_seed(4);
        using var model = ModelVariant.Vgg2d.Create(64, 3);
        var paths = rows.Select(r => Path.Combine(audio, r.Fname)).ToList();
        const int window = 24;

        var predictions = new Predictor(model, features, batchSize: 2, threads: 1, device: "cpu", windowFrames: window).Predict(paths);

        var extractor = new LogMelExtractor(features);
        bool sawSeveralWindows = false;
        for (int i = 0; i < paths.Count; i++)
        {
            var mel = SourceReading.LogMelOf(extractor, paths[i]);
            var starts = ClipCrop.WindowStarts(mel.Frames, window, window / 2);
            sawSeveralWindows |= starts.Length > 1;
            var expected = new double[3];
            foreach (int start in starts)
            {
                var crop = new float[window * 64];
                for (int t = 0; t < window; t++) mel.Values.AsSpan(((start + t) % mel.Frames) * 64, 64).CopyTo(crop.AsSpan(t * 64));
                using var scope = NewDisposeScope();
                float[] p = model.PredictProbabilities(tensor(crop, new long[] { 1, window, 64 })).data<float>().ToArray();
                for (int c = 0; c < 3; c++) expected[c] += p[c] / starts.Length;
            }
            Assert.Equal(expected.Select(v => (float)v), predictions[i].Probabilities!, new Tolerance(1e-5));
        }
        Assert.True(sawSeveralWindows);
    }

    [Theory]
    [InlineData(EnsembleMean.Arithmetic)]
    [InlineData(EnsembleMean.Geometric)]
    public void EnsembleAveragesAreProbabilities(EnsembleMean mean)
    {
        float[] a = [0.7f, 0.2f, 0.1f], b = [0.1f, 0.6f, 0.3f];
        var combined = EnsembleAverage.Combine([a, b], mean);
        Assert.Equal(1f, combined.Sum(), 5);
        if (mean == EnsembleMean.Arithmetic) Assert.Equal([0.4f, 0.4f, 0.2f], combined, new Tolerance(1e-6));
        else
        {
            double[] g = [Math.Sqrt(0.07), Math.Sqrt(0.12), Math.Sqrt(0.03)];
            Assert.Equal(g.Select(v => (float)(v / g.Sum())), combined, new Tolerance(1e-6));
        }
        Assert.Same(a, EnsembleAverage.Combine([a], mean));
        Assert.Equal(EnsembleMean.Geometric, EnsembleAverage.Parse("geometric"));
        Assert.Throws<InvalidInputException>(() => EnsembleAverage.Parse("median"));
    }
}
