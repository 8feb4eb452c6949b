using FreesoundTagging.Models;
using FreesoundTagging.Runtime;
using TorchSharp;
using Xunit;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Models;

/// <summary>Same weights and input as the reference run must give the same numbers.</summary>
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
    public void ForwardMatchesReference(string variant, double lossBefore, double _)
    {
        TorchRuntime.Initialise();
        using var scope = NewDisposeScope();
        using var model = ModelGolden.ModelWithReferenceWeights(variant);
        model.eval();
        var input = ModelGolden.Load("model.input.npy");
        var targets = ModelGolden.Load("model.targets.npy");

        using (no_grad())
        {
            var gmp = model.GlobalMaxPool(input);
            var logits = model.forward(input);
            var probabilities = model.PredictProbabilities(input);
            var loss = SoftTargetCrossEntropy.Compute(logits, targets).item<float>();

            var eg = ModelGolden.Load($"model.{variant}.gmp.npy");
            output.WriteLine("actual   " + string.Join(" ", gmp[0, ..12].data<float>().ToArray()));
            output.WriteLine("expected " + string.Join(" ", eg[0, ..12].data<float>().ToArray()));
            output.WriteLine("actual   " + string.Join(" ", gmp[2, ..12].data<float>().ToArray()));
            output.WriteLine("expected " + string.Join(" ", eg[2, ..12].data<float>().ToArray()));
            double gmpError = ModelGolden.WorstRelativeError(gmp, ModelGolden.Load($"model.{variant}.gmp.npy"), 1e-4);
            double logitError = ModelGolden.WorstRelativeError(logits, ModelGolden.Load($"model.{variant}.logits.npy"), 1e-4);
            double softmaxError = ModelGolden.WorstRelativeError(probabilities, ModelGolden.Load($"model.{variant}.softmax.npy"), 1e-6);
            output.WriteLine($"{variant}: gmp {gmpError:E2}, logits {logitError:E2}, softmax {softmaxError:E2} (relative, atol'd); loss {loss} vs {lossBefore}");

            Assert.True(gmpError < 1e-4, $"global max pool off by {gmpError:E2}");
            Assert.True(logitError < 1e-4, $"logits off by {logitError:E2}");
            Assert.True(softmaxError < 1e-3, $"softmax off by {softmaxError:E2}");
            Assert.Equal(lossBefore, loss, lossBefore * 1e-5);
        }
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void OneAdamStepMatchesReference(string variant, double lossBefore, double lossAfterOneStep)
    {
        TorchRuntime.Initialise();
        foreach (double eps in new[] { 1e-7, 1e-8 })
        {
            double after = LossAfterOneAdamStep(variant, eps, out double before);
            output.WriteLine($"{variant} eps {eps:E0}: loss {before} → {after} (reference {lossBefore} → {lossAfterOneStep}); relative error {Math.Abs(after - lossAfterOneStep) / lossAfterOneStep:E2}");
        }

        // Keras' epsilon (1e-7) is what the original trained with.
        double kerasAfter = LossAfterOneAdamStep(variant, 1e-7, out _);
        Assert.Equal(lossAfterOneStep, kerasAfter, lossAfterOneStep * 1e-4);
    }

    private static double LossAfterOneAdamStep(string variant, double eps, out double before)
    {
        using var scope = NewDisposeScope();
        using var model = ModelGolden.ModelWithReferenceWeights(variant);
        // The reference step was taken in eval mode: no dropout, so the step is deterministic.
        model.eval();
        var input = ModelGolden.Load("model.input.npy");
        var targets = ModelGolden.Load("model.targets.npy");
        using var optimizer = optim.Adam(model.parameters(), lr: 1e-3, eps: eps);

        optimizer.zero_grad();
        var loss = SoftTargetCrossEntropy.Compute(model.forward(input), targets);
        before = loss.item<float>();
        loss.backward();
        optimizer.step();

        using var noGrad = no_grad();
        return SoftTargetCrossEntropy.Compute(model.forward(input), targets).item<float>();
    }
}
