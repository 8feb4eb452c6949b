using System.Runtime.CompilerServices;
using FreesoundTagging.Models;
using FreesoundTagging.Runtime;
using FreesoundTagging.Torch;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Torch;

[Collection(TorchCollection.Name)]
public class ChannelBatchNormTests
{
    public ChannelBatchNormTests() => TorchRuntime.Initialise(1);

    public static TheoryData<int> SpatialDims => new() { 1, 2 };

    private static nn.Module<Tensor, Tensor> TorchSharps(int spatialDims, long features) =>
        spatialDims == 1 ? nn.BatchNorm1d(features) : nn.BatchNorm2d(features);

    private static ChannelBatchNorm Ours(int spatialDims, long features) =>
        spatialDims == 1 ? ChannelBatchNorm.Over1d(features) : ChannelBatchNorm.Over2d(features);

    private static long[] Shape(int spatialDims) => spatialDims == 1 ? [6, 3, 7] : [6, 3, 5, 4];

    [Theory]
    [MemberData(nameof(SpatialDims))]
    public void MatchesTorchBatchNormInTrainingAndEvaluation(int spatialDims)
    {
        using var scope = NewDisposeScope();
        manual_seed(3);
        var reference = TorchSharps(spatialDims, 3);
        var ours = Ours(spatialDims, 3);
        using (no_grad())
            foreach (var (_, p) in reference.named_parameters()) p.copy_(randn_like(p));
        ours.load_state_dict(reference.state_dict());

        for (int i = 0; i < 3; i++)
        {
            var x = randn(Shape(spatialDims));
            Assert.True(ours.forward(x).allclose(reference.forward(x), rtol: 1e-5, atol: 1e-6), $"training step {i}");
        }
        ours.eval();
        reference.eval();
        var y = randn(Shape(spatialDims));
        Assert.True(ours.forward(y).allclose(reference.forward(y), rtol: 1e-5, atol: 1e-6), "evaluation");

        var expected = reference.state_dict();
        var actual = ours.state_dict();
        Assert.Equal(expected.Keys.OrderBy(k => k), actual.Keys.OrderBy(k => k));
        foreach (var (key, tensor) in expected)
        {
            Assert.Equal(tensor.dtype, actual[key].dtype);
            Assert.True(tensor.to(float64).allclose(actual[key].to(float64), rtol: 1e-5, atol: 1e-6), key);
        }
        Assert.Equal(3L, actual["num_batches_tracked"].item<long>());
    }

    [Fact]
    public void ReadsTheWeightsTorchBatchNormSaved()
    {
        using var scope = NewDisposeScope();
        manual_seed(4);
        var reference = nn.BatchNorm2d(5);
        using (no_grad())
            foreach (var (_, t) in reference.state_dict()) t.copy_(rand_like(t.to(float32)).to(t.dtype));
        using var stream = new MemoryStream();
        reference.save(new BinaryWriter(stream));
        stream.Position = 0;

        var ours = ChannelBatchNorm.Over2d(5);
        ours.load(new BinaryReader(stream), strict: true);
        foreach (var (key, tensor) in reference.state_dict())
            Assert.True(tensor.to(float64).allclose(ours.state_dict()[key].to(float64), rtol: 0, atol: 0), key);
    }

    [Fact]
    public void WithoutMomentumTheRunningMeanIsTheCumulativeAverageOfBatchMeans()
    {
        using var scope = NewDisposeScope();
        manual_seed(5);
        var norm = ChannelBatchNorm.Over1d(3);
        norm.momentum = null;
        var a = randn(4, 3, 6);
        var b = randn(4, 3, 6);
        norm.forward(a);
        norm.forward(b);
        var expected = stack([a.mean([0, 2]), b.mean([0, 2])]).mean([0]);
        Assert.True(norm.running_mean!.allclose(expected, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void CollectingANormNothingHoldsLeavesTheTensorsItHandedOutUsable()
    {
        // What Module.save meets: the state dict still holds the tensors, the module itself is garbage.
        var tensors = TensorsOfANormThatIsThenDropped();
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        Assert.All(tensors, t => Assert.False(t.IsInvalid));
        Assert.Equal(0L, tensors[^1].item<long>());
        foreach (var t in tensors) t.Dispose();
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static List<Tensor> TensorsOfANormThatIsThenDropped() => [.. ChannelBatchNorm.Over2d(4).state_dict().Values];

    [Fact]
    public void RefusesInputOfTheWrongShape()
    {
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => ChannelBatchNorm.Over2d(3).forward(randn(2, 3, 4)));
        Assert.Throws<ArgumentException>(() => ChannelBatchNorm.Over1d(3).forward(randn(2, 4, 5)));
    }
}
