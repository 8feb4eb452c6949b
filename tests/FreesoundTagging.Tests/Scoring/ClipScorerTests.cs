using FreesoundTagging.Features;
using FreesoundTagging.Models;
using FreesoundTagging.Runtime;
using FreesoundTagging.Scoring;
using FreesoundTagging.Torch;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Scoring;

/// <summary>Scoring with padding elision and chunked long clips against the plain padded, whole-clip computation.</summary>
[Collection(TorchCollection.Name)]
public class ClipScorerTests
{
    public ClipScorerTests() => TorchRuntime.Initialise();

    /// <summary>A network that records the periods each windowed pass says its rows loop with.</summary>
    private sealed class PeriodRecorder(int bands) : TaggingModel(ModelVariant.Vgg2d, bands, 2)
    {
        public List<int[]> Passes { get; } = [];

        public override Tensor forward(Tensor input) => zeros(input.shape[0], 2);

        public override Tensor ForwardLooped(Tensor input, IReadOnlyList<int> periods)
        {
            Passes.Add([.. periods]);
            return forward(input);
        }
    }

    [Fact]
    public void WindowsGoThroughTheLoopedPassSortedByLoopLengthWithTheirShiftedCopies()
    {
        var features = FeatureConfig.Original with { MelCount = 16, MaxFrames = 100 };
        using var model = new PeriodRecorder(features.MelCount);
        var random = new Random(1);
        // Clips of 7, 3, 25 and 5 frames in windows of 10: the 25-frame one is not looped (four windows, period 0).
        var clips = new[] { 7, 3, 25, 5 }.Select(f => new LogMel(Enumerable.Range(0, f * 16).Select(_ => (float)random.NextDouble()).ToArray(), f, 16)).ToList();
        // Batch size 16: 32 windows per pass, a third of that with one band shift either way: all 7 in one pass.
        new ClipScorer(model, features, windowFrames: 10, lengthBucketed: false, batchSize: 16, bandShifts: 1).Score(clips, CPU);
        var pass = Assert.Single(model.Passes);
        // Sorted by loop length, then the same rows again for each of the two shifted copies.
        int[] rows = [3, 5, 7, 0, 0, 0, 0];
        Assert.Equal([.. rows, .. rows, .. rows], pass);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void ElidedAndChunkedScoresEqualThePlainOnes(bool lengthBucketed)
    {
        var features = FeatureConfig.Original with { MaxFrames = 300, MelCount = 16 };
        torch.manual_seed(11);
        using var model = Cnn1dVariants.Create(ModelVariant.Cnn1dDenseDropout, features.MelCount, 4);
        using (no_grad())
        {
            // Random biases, so that the padding's constant activations matter.
            using var spread = 0.5.ToScalar();
            foreach (var (name, p) in model.named_parameters())
                if (name.EndsWith("bias", StringComparison.Ordinal)) p.copy_(randn_like(p).mul_(spread));
        }
        model.eval();
        var random = new Random(5);
        // Short, around the receptive field, near and at MaxFrames, longer, and far longer than a chunk.
        var clips = new[] { 1, 7, 29, 31, 150, 271, 299, 300, 301, 2 * LongRowChunks.Frames + 123 }
            .Select(frames => new LogMel(Enumerable.Range(0, frames * features.MelCount).Select(_ => (float)(random.NextDouble() * 8 - 6)).ToArray(), frames, features.MelCount))
            .ToList();
        var scorer = new ClipScorer(model, features, null, lengthBucketed, batchSize: 4);

        model.ElidePadding = false;
        var plain = scorer.Score(clips, CPU);
        model.ElidePadding = true;
        var elided = scorer.Score(clips, CPU);

        for (int i = 0; i < clips.Count; i++)
            for (int c = 0; c < 4; c++)
                Assert.True(Math.Abs(plain[i][c] - elided[i][c]) < 1e-5, $"clip of {clips[i].Frames} frames, class {c}: {plain[i][c]} vs {elided[i][c]}");
    }
    [Fact]
    public void WindowPassesReuseOneInputArray()
    {
        // A crop-trained model scores a long clip in many passes of 2 x batch-size windows, here 16 x 256 x 64 floats
        // (1 MB) each. A new input array per pass is large-object garbage the GC collects late (a 20-minute clip with
        // cnn_2d_vgg peaked 55 MB higher). TorchSharp's tensor(float[]) clones its array, so one 1 MB copy per pass
        // remains; ours made it two. Counted on this thread.
        var features = FeatureConfig.Original;
        torch.manual_seed(2);
        using var model = Cnn1dVariants.Create(ModelVariant.Cnn1d, features.MelCount, 4);
        model.eval();
        var random = new Random(1);
        const int frames = 20_000, window = 256, perPass = 16;
        var clip = new LogMel(Enumerable.Range(0, frames * features.MelCount).Select(_ => (float)random.NextDouble()).ToArray(), frames, features.MelCount);
        var scorer = new ClipScorer(model, features, windowFrames: window, lengthBucketed: false, batchSize: perPass / 2);
        scorer.Score([new LogMel(clip.Values.AsSpan(0, 300 * features.MelCount).ToArray(), 300, features.MelCount)], CPU);
        int passes = (frames / (window / 2) + perPass - 1) / perPass;
        long passBytes = perPass * window * features.MelCount * sizeof(float);

        long before = GC.GetAllocatedBytesForCurrentThread();
        var scores = scorer.Score([clip], CPU);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(4, scores[0].Length);
        Assert.True(allocated < 1.5 * passes * passBytes, $"allocated {allocated / 1e6:F1} MB in {passes} passes of {passBytes / 1e6:F1} MB");
    }
}
