using FreesoundTagging.Features;
using FreesoundTagging.Models;
using FreesoundTagging.Runtime;
using FreesoundTagging.Tests.Support;
using FreesoundTagging.Torch;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Models;

[Collection(TorchCollection.Name)]
public class VggModelTests
{
    public VggModelTests() => TorchRuntime.Initialise();

    [Theory]
    [InlineData("cnn_2d_vgg", 64, 41)]
    [InlineData("cnn_2d_vgg", 40, 7)]
    [InlineData("cnn_2d_vgg_narrow", 64, 41)]
    [InlineData("cnn_2d_vgg_narrow", 40, 7)]
    public void ParameterCountWithoutBuildingMatchesTheNetwork(string name, int bands, int classes)
    {
        Assert.True(ModelVariant.TryParse(name, out var variant));
        using var model = variant.Create(bands, classes);
        Assert.Equal(variant, model.Variant);
        Assert.Equal(model.ParameterCount(), variant.ParameterCount(bands, classes));
        Assert.Equal(model.ParameterCount(), model.parameters().Sum(p => p.numel()));
    }

    /// <summary>The narrow variant is the same network with 16-16-32-64 channels: the same layers (state-dict keys),
    /// a quarter of the parameters.</summary>
    [Fact]
    public void TheNarrowVariantHasTheSameLayersWithNarrowerBlocks()
    {
        using var wide = ModelVariant.Vgg2d.Create(64, 24);
        using var narrow = ModelVariant.Vgg2dNarrow.Create(64, 24);
        Assert.Equal(wide.state_dict().Keys, narrow.state_dict().Keys);
        Assert.Equal(300_008, wide.ParameterCount());
        Assert.Equal(79_912, narrow.ParameterCount());
        var outputs = narrow.named_parameters().Where(p => p.name.StartsWith("blocks.") && p.name.EndsWith(".3.weight")).Select(p => p.parameter.shape[0]);
        Assert.Equal([16L, 16, 32, 64], outputs);
        // "2.4x fewer multiplications per frame" (the docs): each block's two 3x3 convolutions, at a quarter of the
        // previous block's positions after each 2x2 pooling.
        Assert.Equal(2.4, MultiplicationsPerPosition(ModelVariant.Vgg2d) / MultiplicationsPerPosition(ModelVariant.Vgg2dNarrow), 1);
        Assert.Throws<ArgumentException>(() => VggModel.WidthsOf(ModelVariant.Cnn1d));
    }

    private static double MultiplicationsPerPosition(ModelVariant variant)
    {
        double total = 0, share = 1;
        int channels = 1;
        foreach (int width in VggModel.WidthsOf(variant))
        {
            total += share * 9 * (channels * width + width * width);
            channels = width;
            share /= 4;
        }
        return total;
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    [InlineData(128)]
    [InlineData(301)]
    public void TakesAnyNumberOfFramesAndGivesOneRowOfLogitsPerClip(int frames)
    {
        using var scope = NewDisposeScope();
        using var model = ModelVariant.Vgg2d.Create(64, 5);
        model.eval();
        using var _ = no_grad();
        var logits = model.forward(randn(2, frames, 64));
        Assert.Equal(new long[] { 2, 5 }, logits.shape);
        Assert.True(logits.isfinite().all().item<bool>());
    }

    [Fact]
    public void RejectsInputWithTheWrongBandCount()
    {
        using var model = ModelVariant.Vgg2d.Create(64, 5);
        Assert.Throws<ArgumentException>(() => model.forward(zeros(1, 10, 40)));
    }

    /// <summary>The oneDNN AVX2+ convolutions are wrong on this hardware for some channel counts (see
    /// ChannelAlignedConv); float64 convolutions do not go through oneDNN, so they are the reference. Covers
    /// the forward pass and the gradients of every parameter, in training mode (batch statistics, dropout).</summary>
    [Theory]
    [InlineData("cnn_2d_vgg")]
    [InlineData("cnn_2d_vgg_narrow")]
    public void Float32MatchesAFloat64ReferenceForwardAndBackward(string variantName)
    {
        Assert.True(ModelVariant.TryParse(variantName, out var variant));
        using var scope = NewDisposeScope();
        manual_seed(11);
        using var single = variant.Create(64, 9);
        using var reference = variant.Create(64, 9);
        reference.load_state_dict(single.state_dict());
        reference.to(float64);
        // The reference keeps the default layout: the float32 network runs channels-last, as training does.
        ((VggModel)reference).ChannelsLast = false;
        using var three = 3.ToScalar();
        using var minusTwo = (-2).ToScalar();
        var input = randn(4, 50, 64).mul_(three).add_(minusTwo, OwnedScalars.One);
        var targets = nn.functional.one_hot(tensor(new long[] { 0, 3, 8, 3 }), 9).to(float32);

        var (outSingle, gradSingle) = Run(single, input, targets);
        var (outReference, gradReference) = Run(reference, input.to(float64), targets.to(float64));

        Assert.True(RelativeError(outSingle, outReference) < 1e-4, $"logits off by {RelativeError(outSingle, outReference)}");
        foreach (var (name, g) in gradSingle)
            Assert.True(RelativeError(g, gradReference[name]) < 1e-3, $"{name} gradient off by {RelativeError(g, gradReference[name])}");
    }

    /// <summary>Channels-last is a layout, not a change of arithmetic: logits and every gradient agree with the
    /// default layout's to float rounding (the kernels differ, so not bit for bit), in training and in eval mode.</summary>
    [Fact]
    public void ChannelsLastMatchesTheDefaultLayoutForwardAndBackward()
    {
        using var scope = NewDisposeScope();
        manual_seed(12);
        using var channelsLast = (VggModel)ModelVariant.Vgg2d.Create(64, 9);
        using var nchw = (VggModel)ModelVariant.Vgg2d.Create(64, 9);
        nchw.load_state_dict(channelsLast.state_dict());
        channelsLast.ChannelsLast = true;
        nchw.ChannelsLast = false;
        var input = randn(4, 70, 64);
        var targets = nn.functional.one_hot(tensor(new long[] { 1, 0, 8, 5 }), 9).to(float32);

        var (outLast, gradLast) = Run(channelsLast, input, targets);
        var (outNchw, gradNchw) = Run(nchw, input, targets);
        Assert.True(RelativeError(outLast, outNchw) < 1e-5, $"logits off by {RelativeError(outLast, outNchw)}");
        foreach (var (name, g) in gradLast)
            Assert.True(RelativeError(g, gradNchw[name]) < 1e-4, $"{name} gradient off by {RelativeError(g, gradNchw[name])}");

        channelsLast.eval();
        nchw.eval();
        using var noGrad = no_grad();
        var evalLast = channelsLast.forward(input).to(float64);
        Assert.True(RelativeError(evalLast, nchw.forward(input).to(float64)) < 1e-5);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void EvaluationWithFoldedNormsMatchesTheSeparateLayers(bool channelsLast)
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var model = (VggModel)ModelVariant.Vgg2d.Create(64, 7);
        model.ChannelsLast = channelsLast;
        // Running statistics and affine parameters away from their initial 0, 1: a few training passes on shifted,
        // scaled input, then random γ and β.
        using (no_grad())
        {
            for (int i = 0; i < 3; i++) model.forward(randn(4, 40, 64).mul(3).add(2));
            foreach (var (name, p) in model.named_parameters())
                if (name.Contains("blocks") && p.dim() == 1) p.copy_(rand_like(p).add(0.5));
        }
        model.eval();
        using var noGrad = no_grad();
        var input = randn(3, 90, 64).mul(2);
        model.FoldsNormsInEval = false;
        var separate = model.forward(input).to(float64);
        model.FoldsNormsInEval = true;
        var folded = model.forward(input).to(float64);
        Assert.True(RelativeError(folded, separate) < 1e-5, $"logits off by {RelativeError(folded, separate)}");
        Assert.True(nn.functional.softmax(folded, 1).sub(nn.functional.softmax(separate, 1)).abs().max().item<double>() < 1e-6);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TheFirstBlockHandsOnMapsInTheChosenLayout(bool channelsLast)
    {
        using var scope = NewDisposeScope();
        using var model = (VggModel)ModelVariant.Vgg2d.Create(64, 5);
        model.ChannelsLast = channelsLast;
        using var noGrad = no_grad();
        var maps = model.ForwardFirstBlock(randn(2, 1, 64, 30));
        Assert.Equal(new long[] { 2, VggModel.Widths[0], 64, 30 }, maps.shape);
        // Channels-last: the channel is the innermost, densest dimension (stride 1); NCHW: the frame is.
        Assert.Equal(channelsLast ? 1 : 64 * 30, maps.stride(1));
        Assert.Equal(channelsLast ? VggModel.Widths[0] : 1, maps.stride(3));
    }

    [Fact]
    public void SavesAndLoadsThroughModelFilesWithItsWindow()
    {
        using var scope = NewDisposeScope();
        string folder = Directory.CreateTempSubdirectory("fst-vgg-").FullName;
        try
        {
            var features = FeatureConfig.Original with { MelCount = 32 };
            using var model = ModelVariant.Vgg2d.Create(32, 3);
            model.eval();
            var input = randn(2, 40, 32);
            using var noGrad = no_grad();
            var before = model.forward(input).data<float>().ToArray();
            string path = Path.Combine(folder, "vgg.fstmodel");
            ModelFile.Save(path, model, ["a", "b", "c"], features, null, windowFrames: 128);

            using var loaded = ModelFile.Load(path);
            loaded.Model.eval();
            Assert.Equal(ModelVariant.Vgg2d, loaded.Variant);
            Assert.Equal(128, loaded.Metadata.WindowFrames);
            Assert.Equal(before, loaded.Model.forward(input).data<float>().ToArray(), new Tolerance(1e-6));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static (Tensor Output, Dictionary<string, Tensor> Gradients) Run(TaggingModel model, Tensor input, Tensor targets)
    {
        // The same dropout mask in both runs.
        manual_seed(2);
        model.train();
        model.zero_grad();
        var output = model.forward(input);
        SoftTargetCrossEntropy.Compute(output, targets).backward();
        return (output.detach().to(float64), model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.to(float64)));
    }

    private static double RelativeError(Tensor actual, Tensor expected) =>
        (actual.to(float64) - expected).abs().max().item<double>() / Math.Max(expected.abs().max().item<double>(), 1e-12);
}
