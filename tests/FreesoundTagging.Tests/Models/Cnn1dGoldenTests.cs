using FreesoundTagging.Models;
using FreesoundTagging.Runtime;
using FreesoundTagging.Torch;
using FreesoundTagging.Training;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Models;

/// <summary>Same weights and input as the reference run (golden/model/) must give the same numbers.</summary>
[Collection(TorchCollection.Name)]
public class Cnn1dGoldenTests(ITestOutputHelper output)
{
    public static TheoryData<string, double, double> Variants => new()
    {
        { "cnn_1d", 116.19347381591797, 40.285526275634766 },
        { "cnn_1d_dropout", 116.19347381591797, 40.285526275634766 },
        { "cnn_1d_dense_dropout", 43.25593185424805, 11.167701721191406 },
    };

    [Theory]
    [MemberData(nameof(Variants))]
    public void ActivationShapesMatchReference(string variant, double lossBefore, double lossAfterOneStep)
    {
        _ = (lossBefore, lossAfterOneStep);
        TorchRuntime.Initialise();
        using var scope = NewDisposeScope();
        using var model = ModelGolden.ModelWithReferenceWeights(variant);
        var shapes = model.ActivationShapes(ModelGolden.Load("model.input.npy"));
        Assert.Equal([3L, 100, 3001], shapes["conv1"]);
        Assert.Equal([3L, 100, 1501], shapes["pool1"]);
        Assert.Equal([3L, 150, 1501], shapes["conv2"]);
        Assert.Equal([3L, 150, 751], shapes["pool2"]);
        Assert.Equal([3L, 200, 751], shapes["conv3"]);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void HeadAndLossMatchReference(string variant, double lossBefore, double lossAfterOneStep)
    {
        _ = lossAfterOneStep;
        TorchRuntime.Initialise();
        using var scope = NewDisposeScope();
        using var model = ModelGolden.ModelWithReferenceWeights(variant);
        model.eval();
        using var noGrad = no_grad();
        var logits = model.Classify(ModelGolden.Load($"model.{variant}.gmp.npy"));
        var expectedLogits = ModelGolden.Load($"model.{variant}.logits.npy");
        double logitError = ModelGolden.WorstRelativeError(logits, expectedLogits);
        double softmaxError = ModelGolden.WorstRelativeError(nn.functional.softmax(logits, 1), ModelGolden.Load($"model.{variant}.softmax.npy"));
        double loss = SoftTargetCrossEntropy.Compute(expectedLogits, ModelGolden.Load("model.targets.npy")).item<float>();
        output.WriteLine($"{variant}: head logits {logitError:E2}, softmax {softmaxError:E2} (relative); loss of reference logits {loss} vs {lossBefore}");

        Assert.True(logitError < 1e-4, $"logits off by {logitError:E2} (relative)");
        Assert.True(softmaxError < 1e-3, $"softmax off by {softmaxError:E2} (relative)");
        Assert.Equal(lossBefore, loss, lossBefore * 1e-5);
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void ForwardAndOneAdamStepMatchReference(string variant, double lossBefore, double lossAfterOneStep)
    {
        TorchRuntime.Initialise();
        using var scope = NewDisposeScope();
        using var model = ModelGolden.ModelWithReferenceWeights(variant);
        // The reference step was taken in eval mode: no dropout, so the step is deterministic.
        model.eval();
        var input = ModelGolden.Load("model.input.npy");
        var targets = ModelGolden.Load("model.targets.npy");

        using (no_grad())
        {
            double gmpError = ModelGolden.WorstRelativeError(model.GlobalMaxPool(input), ModelGolden.Load($"model.{variant}.gmp.npy"));
            double logitError = ModelGolden.WorstRelativeError(model.forward(input), ModelGolden.Load($"model.{variant}.logits.npy"));
            double softmaxError = ModelGolden.WorstRelativeError(nn.functional.softmax(model.forward(input), 1), ModelGolden.Load($"model.{variant}.softmax.npy"));
            output.WriteLine($"{variant}: gmp {gmpError:E2}, logits {logitError:E2}, softmax {softmaxError:E2} (relative)");
            Assert.True(gmpError < 1e-4, $"global max pool off by {gmpError:E2}");
            Assert.True(logitError < 1e-4, $"logits off by {logitError:E2}");
            Assert.True(softmaxError < 1e-3, $"softmax off by {softmaxError:E2}");
        }

        // Keras' Adam epsilon (1e-7) is what the original trained with.
        using var optimizer = new AdamOptimizer(model.parameters(), 1e-3, epsilon: 1e-7);
        optimizer.ZeroGrad();
        var loss = SoftTargetCrossEntropy.Compute(model.forward(input), targets);
        Assert.Equal(lossBefore, loss.item<float>(), lossBefore * 1e-5);
        loss.backward();
        optimizer.Step();
        using var after = no_grad();
        double kerasAfter = SoftTargetCrossEntropy.Compute(model.forward(input), targets).item<float>();
        output.WriteLine($"{variant}: loss after one Adam step (eps 1e-7) {kerasAfter} vs {lossAfterOneStep}");
        Assert.Equal(lossAfterOneStep, kerasAfter, lossAfterOneStep * 1e-4);
    }
}
