using FreesoundTagging.Models;
using FreesoundTagging.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Models;

/// <summary>
/// The convolutions the models run must equal an unfold + matmul reference, forward and backward, for channel
/// counts that libtorch's oneDNN kernels get wrong on AVX2+ CPUs (not a multiple of 16) and ones they get right.
/// </summary>
[Collection(TorchCollection.Name)]
public class ChannelAlignedConvTests
{
    public ChannelAlignedConvTests() => TorchRuntime.Initialise();

    [Theory]
    [InlineData(64, 100, 7)]
    [InlineData(100, 150, 5)]
    [InlineData(150, 200, 3)]
    [InlineData(40, 100, 7)]
    [InlineData(17, 8, 3)]
    [InlineData(100, 41, 1)]
    public void ForwardAndGradientsMatchAnUnfoldMatmulReference(int inChannels, int outChannels, int kernel)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(inChannels * 31 + kernel);
        var conv = nn.Conv1d(inChannels, outChannels, kernel, padding: kernel / 2);
        var x = randn(3, inChannels, 57, requires_grad: true);
        var upstream = randn(3, outChannels, 57);

        var actual = ChannelAlignedConv.Forward(conv, x);
        actual.mul(upstream).sum().backward();
        var (gradInput, gradWeight) = (x.grad!.clone(), conv.weight!.grad!.clone());

        var x2 = x.detach().clone().requires_grad_(true);
        var w2 = conv.weight!.detach().clone().requires_grad_(true);
        var columns = nn.functional.pad(x2, [kernel / 2, kernel / 2]).unfold(2, kernel, 1); // (N, C, L, k)
        var expected = einsum("nclk,ock->nol", columns, w2).add(conv.bias!.detach().reshape(1, -1, 1), OwnedScalars.One);
        expected.mul(upstream).sum().backward();

        AssertClose(expected, actual, "output");
        AssertClose(x2.grad!, gradInput, "input gradient");
        AssertClose(w2.grad!, gradWeight, "weight gradient");
    }

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        double error = (actual - expected).abs().max().item<float>() / expected.abs().max().item<float>();
        Assert.True(error < 1e-5, $"{what} off by {error:E2} of its scale");
    }
}
