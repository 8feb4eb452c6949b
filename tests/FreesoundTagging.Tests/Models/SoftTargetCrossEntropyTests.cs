using FreesoundTagging.Models;
using FreesoundTagging.Runtime;
using FreesoundTagging.Torch;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Models;

[Collection(TorchCollection.Name)]
public class SoftTargetCrossEntropyTests
{
    [Fact]
    public void OneHotTargetsGiveTheUsualCrossEntropy()
    {
        TorchRuntime.Initialise();
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { 1, 2, 3, -1, 0, 1 }, [2, 3]);
        var targets = tensor(new float[] { 0, 0, 1, 1, 0, 0 }, [2, 3]);
        double expected = (-Math.Log(Math.Exp(3) / (Math.Exp(1) + Math.Exp(2) + Math.Exp(3)))
                           - Math.Log(Math.Exp(-1) / (Math.Exp(-1) + Math.Exp(0) + Math.Exp(1)))) / 2;
        Assert.Equal(expected, SoftTargetCrossEntropy.Compute(logits, targets).item<float>(), 1e-6);
        Assert.Equal(expected, nn.functional.cross_entropy(logits, tensor(new long[] { 2, 0 })).item<float>(), 1e-6);
    }

    [Fact]
    public void SoftTargetsWeighEachClass()
    {
        TorchRuntime.Initialise();
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { 0, 0 }, [1, 2]);
        var targets = tensor(new float[] { 0.25f, 0.75f }, [1, 2]);
        Assert.Equal(Math.Log(2), new SoftTargetCrossEntropy().forward(logits, targets).item<float>(), 1e-6);
    }

    [Fact]
    public void HugeLogitsStayFinite()
    {
        TorchRuntime.Initialise();
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { 1e4f, -1e4f, 0 }, [1, 3]);
        var targets = tensor(new float[] { 0, 1, 0 }, [1, 3]);
        Assert.Equal(2e4, SoftTargetCrossEntropy.Compute(logits, targets).item<float>(), 1.0);
    }

    [Fact]
    public void MismatchedShapesAreRejected()
    {
        TorchRuntime.Initialise();
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => SoftTargetCrossEntropy.Compute(zeros(2, 3), zeros(2, 4)));
    }

    [Fact]
    public void WeightsAverageTheExamplesLossesByWeight()
    {
        TorchRuntime.Initialise();
        using var scope = NewDisposeScope();
        var logits = tensor(new float[] { 1, 2, 3, -1, 0, 1, 0, 0, 5 }, [3, 3]);
        var targets = tensor(new float[] { 0, 0, 1, 1, 0, 0, 1, 0, 0 }, [3, 3]);
        var each = -(targets * nn.functional.log_softmax(logits, 1)).sum(1);
        double a = each[0].item<float>(), b = each[1].item<float>();

        Assert.Equal(SoftTargetCrossEntropy.Compute(logits, targets).item<float>(), SoftTargetCrossEntropy.Compute(logits, targets, ones(3)).item<float>(), 1e-6);
        Assert.Equal((a + 0.5 * b) / 1.5, SoftTargetCrossEntropy.Compute(logits, targets, tensor(new float[] { 1, 0.5f, 0 })).item<float>(), 1e-5);
        Assert.Equal(0, SoftTargetCrossEntropy.Compute(logits, targets, zeros(3)).item<float>());
        Assert.Throws<ArgumentException>(() => SoftTargetCrossEntropy.Compute(logits, targets, ones(2)));
    }
}
