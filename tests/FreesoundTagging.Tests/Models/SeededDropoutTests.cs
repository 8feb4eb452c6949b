using FreesoundTagging.Models;
using FreesoundTagging.Runtime;
using FreesoundTagging.Torch;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Models;

[Collection(TorchCollection.Name)]
public class SeededDropoutTests
{
    public SeededDropoutTests() => TorchRuntime.Initialise(1);

    [Fact]
    public void AGeneratorSeededLikeTheGlobalOneDrawsTheSameMasks()
    {
        // Bit-equal by construction: the same libtorch kernels on generators in the same state.
        using var input = randn(64, 256);
        torch.manual_seed(11);
        using var expected = nn.functional.dropout(input, 0.3, true);
        using var generator = new Generator(11);
        using var dropout = new SeededDropout(0.3) { Generator = generator };
        dropout.train();
        using var actual = dropout.forward(input);
        Assert.Equal(expected.data<float>().ToArray(), actual.data<float>().ToArray());
        // Some units were dropped and the others scaled by 1 / (1 − p).
        var inputs = input.data<float>().ToArray();
        var kept = actual.data<float>().ToArray().Select((v, i) => (v, i)).Where(p => p.v != 0).ToList();
        Assert.InRange(kept.Count, inputs.Length / 2, inputs.Length - 1);
        Assert.All(kept, p => Assert.Equal(inputs[p.i] / 0.7, p.v, 1e-5));
    }

    [Fact]
    public void ItDrawsNothingFromTheGlobalGeneratorWhenItHasItsOwn()
    {
        using var input = randn(8, 32);
        using var generator = new Generator(3);
        using var dropout = new SeededDropout(0.5) { Generator = generator };
        dropout.train();
        torch.manual_seed(5);
        using (dropout.forward(input)) { }
        using var after = rand(4);
        torch.manual_seed(5);
        using var untouched = rand(4);
        Assert.Equal(untouched.data<float>().ToArray(), after.data<float>().ToArray());
    }

    [Fact]
    public void AtEvaluationItPassesTheInputThroughWithOrWithoutAGenerator()
    {
        using var input = randn(4, 10);
        using var generator = new Generator(1);
        foreach (var g in new[] { null, generator })
        {
            using var dropout = new SeededDropout(0.5) { Generator = g };
            dropout.eval();
            using var output = dropout.forward(input);
            Assert.Equal(input.data<float>().ToArray(), output.data<float>().ToArray());
        }
    }

    [Fact]
    public void ModelsPointEveryDropoutLayerAtTheGenerator()
    {
        using var model = Cnn1dVariants.WithDenseDropout(8, 3);
        using var generator = new Generator(2);
        model.UseDropoutGenerator(generator);
        var layers = model.modules().OfType<SeededDropout>().ToList();
        Assert.Equal(2, layers.Count);
        Assert.All(layers, l => Assert.Same(generator, l.Generator));
        model.UseDropoutGenerator(null);
        Assert.All(layers, l => Assert.Null(l.Generator));
    }

    [Fact]
    public void MasksForAnotherDeviceComeFromTheSameCpuGeneratorAsOnTheCpu()
    {
        // The meta device stands in for a GPU here: the mask is drawn on the CPU from the run's generator, so the
        // generator advances exactly as for a CPU input of that shape, and the result lands on the input's device.
        using var onCpu = new Generator(21);
        using var elsewhere = new Generator(21);
        using var cpuDropout = new SeededDropout(0.3) { Generator = onCpu };
        using var metaDropout = new SeededDropout(0.3) { Generator = elsewhere };
        cpuDropout.train();
        metaDropout.train();
        using var cpuInput = randn(16, 200);
        using var metaInput = empty(16, 200, device: META);
        using var a = cpuDropout.forward(cpuInput);
        using var b = metaDropout.forward(metaInput);
        Assert.Equal(DeviceType.META, b.device_type);
        using var stateA = onCpu.get_state();
        using var stateB = elsewhere.get_state();
        Assert.Equal(stateA.data<byte>().ToArray(), stateB.data<byte>().ToArray());
        using var fresh = new Generator(21);
        using var stateFresh = fresh.get_state();
        Assert.NotEqual(stateFresh.data<byte>().ToArray(), stateB.data<byte>().ToArray());
    }
}
