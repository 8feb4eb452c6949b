using FreesoundTagging.Audio;
using FreesoundTagging.Features;
using FreesoundTagging.Inference;
using FreesoundTagging.Models;
using FreesoundTagging.Runtime;
using FreesoundTagging.Tests.Support;
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

        using var extractor = new LogMelExtractor(features);
        for (int i = 0; i < paths.Count; i++)
        {
            var mel = extractor.Extract(AudioLoader.LoadMono(paths[i], 44100).Samples);
            int frames = lengthBucketed ? mel.Frames : Math.Max(mel.Frames, features.MaxFrames);
            var input = new float[frames * 64];
            mel.Values.CopyTo(input, 0);
            using var scope = NewDisposeScope();
            float[] expected = model.PredictProbabilities(tensor(input, new long[] { 1, frames, 64 })).data<float>().ToArray();
            Assert.Equal(expected, predictions[i].Probabilities!, new FloatTolerance(1e-5f));
        }
    }

    private sealed class FloatTolerance(float tolerance) : IEqualityComparer<float>
    {
        public bool Equals(float a, float b) => Math.Abs(a - b) <= tolerance;

        public int GetHashCode(float value) => 0;
    }
}
