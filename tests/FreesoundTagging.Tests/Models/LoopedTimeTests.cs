using FreesoundTagging.Features;
using FreesoundTagging.Models;
using FreesoundTagging.Tests.Repository;
using FreesoundTagging.Torch;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Models;

/// <summary>A network fed windows looped from short clips computes one period of each (LoopedTime): its logits must be
/// those of the plain pass over the whole windows, for every kind of period, mixed in one batch with rows that do not loop.</summary>
[Collection(TorchCollection.Name)]
public class LoopedTimeTests
{
    public LoopedTimeTests() => TorchRuntime.Initialise();

    /// <summary>Windows of <paramref name="frames"/> frames, row i the looped crop (ClipCrop) of a random clip of periods[i] frames.</summary>
    private static Tensor LoopedWindows(int[] periods, int frames, int bands, int seed)
    {
        var random = new Random(seed);
        var input = new float[periods.Length * frames * bands];
        for (int i = 0; i < periods.Length; i++)
        {
            var clip = new float[periods[i] * bands];
            for (int k = 0; k < clip.Length; k++) clip[k] = (float)(random.NextDouble() * 8 - 6);
            ClipCrop.Copy(clip, periods[i], bands, random.Next(periods[i]), frames, input.AsSpan(i * frames * bands, frames * bands));
        }
        return tensor(input, [periods.Length, frames, bands]);
    }

    public static TheoryData<int[], int> Batches => new()
    {
        { [40, 40, 40], 512 },            // even periods: halved by every pooling
        { [33, 41, 45, 67], 512 },        // odd ones, mixed in one batch
        { [1, 2, 3, 5], 512 },            // a frame or a few, repeated hundreds of times
        { [80, 81, 600, 512], 512 },      // with rows that do not loop (a clip as long as the window, or longer)
        { [255, 256, 257], 512 },         // packing does not pay: the plain pass
        { [7, 13], 129 },                 // an odd window length (ceil-mode pooling at the ends)
        { [5, 9, 12], 20 },               // a window shorter than the pooling chain's receptive field
    };

    [Theory]
    [MemberData(nameof(Batches))]
    public void LoopedLogitsEqualThePlainPass(int[] periods, int frames)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var loaded = ModelFile.Load(Path.Combine(RepositoryLayoutTests.RepositoryRoot(), "pre_trained_models", "cnn_2d_vgg_best.fstmodel"));
        var network = ((MemberAverage)loaded.Model).Members[0];
        network.eval();
        var x = LoopedWindows(periods, frames, loaded.Features.MelCount, seed: frames + periods.Sum());
        var plain = network.forward(x);
        var looped = network.ForwardLooped(x, periods.Select(p => Math.Min(p, frames)).ToArray());
        double scale = plain.abs().max().item<float>();
        Assert.True(scale > 0.1, "the logits are not trivially small");
        Assert.True(plain.sub(looped).abs().max().item<float>() <= 1e-5 * Math.Max(1, scale), $"looped logits differ from the plain pass's by {plain.sub(looped).abs().max().item<float>()}");
    }

    [Fact]
    public void AnEnsembleFeedsEveryMemberItsLoops()
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var loaded = ModelFile.Load(Path.Combine(RepositoryLayoutTests.RepositoryRoot(), "pre_trained_models", "cnn_2d_vgg_best.fstmodel"));
        loaded.Model.eval();
        int[] periods = [30, 64, 100];
        var x = LoopedWindows(periods, 512, loaded.Features.MelCount, seed: 5);
        Assert.True(loaded.Model.forward(x).sub(loaded.Model.ForwardLooped(x, periods)).abs().max().item<float>() <= 1e-5);
    }

    [Fact]
    public void TheLoopedPassComputesFromThePeriodsItIsGiven()
    {
        // Windows that do not repeat, claimed to repeat every 40 frames: the looped pass trusts the claim and computes
        // other logits, so it does not run the plain pass underneath.
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        using var loaded = ModelFile.Load(Path.Combine(RepositoryLayoutTests.RepositoryRoot(), "pre_trained_models", "cnn_2d_vgg_best.fstmodel"));
        var network = ((MemberAverage)loaded.Model).Members[0];
        network.eval();
        manual_seed(4);
        var x = randn(2, 512, 64).mul(2.0).sub(4.0);
        Assert.True(network.forward(x).sub(network.ForwardLooped(x, [40, 40])).abs().max().item<float>() > 1e-3);
    }

    [Fact]
    public void ShortPeriodsArePackedAndLongOnesHeldWhole()
    {
        using var scope = NewDisposeScope();
        var x = zeros(3, 1, 8, 512);
        // Room for two convolutions at either end (4 + 4 frames) around one period of 40.
        var (packed, layout) = LoopedTime.Of([40, 40, 40], 512).Pack(x, convolutions: 2);
        Assert.Equal(48, layout.Width);
        Assert.Equal(new long[] { 3, 1, 8, 48 }, packed.shape);
        // A pooling halves an even period; one too long for a quarter's saving leaves every row whole.
        var (_, pooled) = layout.Convolve(packed, t => t).After.Convolve(packed, t => t).After.MaxPool(packed, convolutions: 2);
        Assert.Equal(256, pooled.Frames);
        Assert.True(pooled.Width < 48);
        Assert.Equal(512, LoopedTime.Of([40, 400, 40], 512).Pack(x, convolutions: 2).After.Width);
        // A third convolution was not made room for.
        var twice = layout.Convolve(packed, t => t).After.Convolve(packed, t => t).After;
        Assert.Throws<InvalidOperationException>(() => twice.Convolve(packed, t => t));
    }

    [Fact]
    public void TrainingModeAndUnfoldedNormsTakeThePlainPass()
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        using var network = new VggModel(ModelVariant.Vgg2d, 64, 5);
        int[] periods = [20, 20];
        var x = LoopedWindows(periods, 256, 64, seed: 9);
        network.eval();
        network.FoldsNormsInEval = false;
        using (no_grad()) Assert.Equal(0f, network.forward(x).sub(network.ForwardLooped(x, periods)).abs().max().item<float>());
        Assert.Throws<ArgumentException>(() => network.ForwardLooped(x, [20]));
    }
}
