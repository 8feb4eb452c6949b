using FreesoundTagging.Audio;
using FreesoundTagging.Features;
using FreesoundTagging.Inference;
using FreesoundTagging.Jobs;
using FreesoundTagging.Models;
using FreesoundTagging.Runtime;
using FreesoundTagging.Scoring;
using FreesoundTagging.Tests.Support;
using FreesoundTagging.Torch;
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
        using var model = Cnn1dVariants.Create(ModelVariant.Cnn1d, 64, 3);
        var paths = rows.Select(r => Path.Combine(audio, r.Fname)).ToList();

        var predictions = OneNetwork(new ClipScorer(model, features, windowFrames: null, lengthBucketed, batchSize: 1), features).Predict(paths);

        var extractor = new LogMelExtractor(features);
        for (int i = 0; i < paths.Count; i++)
        {
            var mel = SourceReading.LogMelOf(extractor, paths[i]);
            int frames = lengthBucketed ? mel.Frames : Math.Max(mel.Frames, features.MaxFrames);
            var input = new float[frames * 64];
            mel.Values.CopyTo(input, 0);
            using var scope = NewDisposeScope();
            float[] expected = Probabilities(model, input, frames);
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

        var predictions = OneNetwork(new ClipScorer(model, features, window, lengthBucketed: false, batchSize: 2), features).Predict(paths);

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
                float[] p = Probabilities(model, crop, window);
                for (int c = 0; c < 3; c++) expected[c] += p[c] / starts.Length;
            }
            Assert.Equal(expected.Select(v => (float)v), predictions[i].Probabilities!, new Tolerance(1e-5));
        }
        Assert.True(sawSeveralWindows);
    }

    [Theory]
    [InlineData(EnsembleMean.Arithmetic)]
    [InlineData(EnsembleMean.Geometric)]
    public void ATimelineWindowCoveringTheWholeFileScoresAsTheWholeFile(EnsembleMean mean)
    {
        // An ensemble file's members are combined by --mean for whole files; the timeline once combined them by their
        // arithmetic mean whatever --mean said, so with --mean geometric a window holding the whole file disagreed.
        using var dir = new TempDir();
        var (audio, _, rows) = TinyCorpus.Write(dir.Path, perClass: 1);
        var features = FeatureConfig.Original with { MaxFrames = 120 };
        torch.manual_seed(6);
        string modelPath = dir.File("members.fstmodel");
        using (var ensemble = MemberAverage.Create(ModelVariant.Cnn1d, 2, features.MelCount, TinyCorpus.Classes.Length))
        {
            // Members that disagree (the second's class layer is the first's sharpened and negated): the two means
            // then differ well beyond float rounding.
            using var noGrad = no_grad();
            var members = ((MemberAverage)ensemble).Members;
            foreach (var (member, factor) in new[] { (members[0], 5.0), (members[1], -5.0) })
            {
                using var scale = factor.ToScalar();
                foreach (var (name, p) in member.named_parameters())
                    if (name.StartsWith("head", StringComparison.Ordinal)) p.mul_(scale);
            }
            ModelFile.Save(modelPath, ensemble, TinyCorpus.Classes, features);
        }
        var paths = rows.Select(r => Path.Combine(audio, r.Fname)).ToList();
        TaggingResult Tag(EnsembleMean m) => TaggingJob.Run(new TaggingRequest([modelPath], paths) { TimelineSeconds = 1000, Device = "cpu", Threads = 1, Mean = m });

        var result = Tag(mean);
        var other = Tag(mean == EnsembleMean.Arithmetic ? EnsembleMean.Geometric : EnsembleMean.Arithmetic);

        for (int i = 0; i < paths.Count; i++)
        {
            var window = Assert.Single(result.Files[i].Timeline!);
            Assert.Equal(result.Files[i].Probabilities!, window.Probabilities, new Tolerance(1e-5));
            // The means must tell apart, or this test could not catch the timeline using the other one.
            Assert.True(result.Files[i].Probabilities!.Zip(other.Files[i].Probabilities!).Max(p => Math.Abs(p.First - p.Second)) > 1e-3,
                $"{paths[i]}: the two means agree");
        }
    }

    /// <summary>A predictor of one network fed as <paramref name="scorer"/> says.</summary>
    private static Predictor OneNetwork(ClipScorer scorer, FeatureConfig features) =>
        new(new EnsembleScorer([scorer], EnsembleMean.Arithmetic), features, threads: 1, device: "cpu");

    /// <summary>Softmax probabilities (1, C) of one input in evaluation mode.</summary>
    private static float[] Probabilities(nn.Module<Tensor, Tensor> model, float[] input, int frames)
    {
        model.eval();
        using var noGrad = no_grad();
        using var x = tensor(input, new long[] { 1, frames, 64 });
        using var logits = model.forward(x);
        using var p = nn.functional.softmax(logits, 1);
        return p.data<float>().ToArray();
    }
}
