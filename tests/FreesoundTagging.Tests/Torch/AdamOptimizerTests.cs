using FreesoundTagging.Runtime;
using FreesoundTagging.Torch;
using FreesoundTagging.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Torch;

[Collection(TorchCollection.Name)]
public class AdamOptimizerTests
{
    public AdamOptimizerTests() => TorchRuntime.Initialise(1);

    /// <summary>Two identical small networks, and a fixed batch to take steps on.</summary>
    private static (nn.Module<Tensor, Tensor> A, nn.Module<Tensor, Tensor> B, Tensor Input, Tensor Target) Twins()
    {
        manual_seed(7);
        var a = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 3));
        var b = nn.Sequential(nn.Linear(5, 4), nn.ReLU(), nn.Linear(4, 3));
        b.load_state_dict(a.state_dict());
        return (a, b, randn(8, 5), randn(8, 3));
    }

    private static void TakeSteps(nn.Module<Tensor, Tensor> model, Tensor input, Tensor target, int steps, Action zeroGrad, Action step)
    {
        for (int i = 0; i < steps; i++)
        {
            using var scope = NewDisposeScope();
            zeroGrad();
            nn.functional.mse_loss(model.forward(input), target).backward();
            step();
        }
    }

    private static void AssertSameParameters(nn.Module a, nn.Module b)
    {
        foreach (var ((name, x), (_, y)) in a.named_parameters().Zip(b.named_parameters()))
            Assert.True(x.allclose(y, rtol: 1e-6, atol: 1e-7), $"{name} differs");
    }

    [Fact]
    public void StepsAsTorchSharpsAdamDoes()
    {
        using var scope = NewDisposeScope();
        var (ours, theirs, input, target) = Twins();
        using var adam = new AdamOptimizer(ours.parameters(), 0.01, epsilon: 1e-7);
        using var reference = optim.Adam(theirs.parameters(), 0.01, eps: 1e-7);
        TakeSteps(ours, input, target, 3, adam.ZeroGrad, adam.Step);
        TakeSteps(theirs, input, target, 3, reference.zero_grad, () => reference.step());
        // A changed rate must apply from the next step, as a schedule sets it.
        adam.LearningRate = 0.003;
        foreach (var group in reference.ParamGroups) group.LearningRate = 0.003;
        TakeSteps(ours, input, target, 3, adam.ZeroGrad, adam.Step);
        TakeSteps(theirs, input, target, 3, reference.zero_grad, () => reference.step());

        AssertSameParameters(ours, theirs);
        Assert.Equal(6, adam.Steps);
        using var untouched = nn.Linear(5, 4);
        Assert.False(ours.parameters().First().allclose(untouched.weight!), "no step was taken");
    }

    [Fact]
    public void SavesStateInTorchSharpsFormatSoOlderCheckpointsResume()
    {
        using var scope = NewDisposeScope();
        var (ours, theirs, input, target) = Twins();
        using var adam = new AdamOptimizer(ours.parameters(), 0.01);
        TakeSteps(ours, input, target, 3, adam.ZeroGrad, adam.Step);
        byte[] saved = Save(adam.Save);

        using var reference = optim.Adam(theirs.parameters(), 0.01);
        using (var reader = new BinaryReader(new MemoryStream(saved))) reference.load_state_dict(reader);
        Assert.Equal(saved, Save(reference.save_state_dict));

        using var restored = new AdamOptimizer(theirs.parameters(), 0.01);
        using (var reader = new BinaryReader(new MemoryStream(Save(reference.save_state_dict)))) restored.Load(reader);
        Assert.Equal(3, restored.Steps);
        Assert.Equal(saved, Save(restored.Save));
    }

    [Fact]
    public void ResumingFromSavedStateContinuesExactly()
    {
        using var scope = NewDisposeScope();
        var (straight, resumed, input, target) = Twins();
        using var adam = new AdamOptimizer(straight.parameters(), 0.01);
        TakeSteps(straight, input, target, 5, adam.ZeroGrad, adam.Step);

        byte[] saved;
        using (var first = new AdamOptimizer(resumed.parameters(), 0.01))
        {
            TakeSteps(resumed, input, target, 2, first.ZeroGrad, first.Step);
            saved = Save(first.Save);
        }
        using var second = new AdamOptimizer(resumed.parameters(), 0.01);
        using (var reader = new BinaryReader(new MemoryStream(saved))) second.Load(reader);
        TakeSteps(resumed, input, target, 3, second.ZeroGrad, second.Step);

        AssertSameParameters(straight, resumed);
    }

    [Fact]
    public void RefusesStateForOtherParametersOrSettings()
    {
        using var scope = NewDisposeScope();
        var (model, _, _, _) = Twins();
        using var adam = new AdamOptimizer(model.parameters(), 0.01);
        byte[] saved = Save(adam.Save);

        using var fewer = new AdamOptimizer(model.parameters().Take(2), 0.01);
        Assert.Contains("4 parameters", Assert.Throws<InvalidDataException>(() => fewer.Load(new BinaryReader(new MemoryStream(saved)))).Message);
        using var otherEpsilon = new AdamOptimizer(model.parameters(), 0.01, epsilon: 1e-7);
        Assert.Contains("other settings", Assert.Throws<InvalidDataException>(() => otherEpsilon.Load(new BinaryReader(new MemoryStream(saved)))).Message);
        using var sgd = optim.SGD(model.parameters(), 0.01);
        byte[] sgdState = Save(sgd.save_state_dict);
        Assert.Contains("SGD", Assert.Throws<InvalidDataException>(() => adam.Load(new BinaryReader(new MemoryStream(sgdState)))).Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamOptimizer(model.parameters(), -1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdamOptimizer(model.parameters(), 0.01, beta1: 1));
    }

    private static byte[] Save(Action<BinaryWriter> save)
    {
        using var stream = new MemoryStream();
        using (var writer = new BinaryWriter(stream, System.Text.Encoding.UTF8, leaveOpen: true)) save(writer);
        return stream.ToArray();
    }
}
