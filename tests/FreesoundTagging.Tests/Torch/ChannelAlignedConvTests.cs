using FreesoundTagging.Models;
using FreesoundTagging.Runtime;
using FreesoundTagging.Torch;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Torch;

/// <summary>
/// The convolutions the models run must equal an unfold + matmul reference, forward and backward, for channel
/// counts that libtorch's oneDNN kernels get wrong on AVX2+ CPUs (not a multiple of 16) and ones they get right.
/// </summary>
[Collection(TorchCollection.Name)]
public class ChannelAlignedConvTests
{
    public ChannelAlignedConvTests() => TorchRuntime.Initialise();

    [Theory]
    [InlineData(64, 100, 7, false)]
    [InlineData(100, 150, 5, false)]
    [InlineData(150, 200, 3, false)]
    [InlineData(40, 100, 7, false)]
    [InlineData(17, 8, 3, false)]
    [InlineData(100, 41, 1, false)]
    [InlineData(64, 100, 7, true)]
    [InlineData(100, 150, 5, true)]
    [InlineData(150, 200, 3, true)]
    [InlineData(17, 8, 3, true)]
    public void ForwardAndGradientsMatchAnUnfoldMatmulReference(int inChannels, int outChannels, int kernel, bool channelsLast)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(inChannels * 31 + kernel);
        var conv = nn.Conv1d(inChannels, outChannels, kernel, padding: kernel / 2);
        var x = randn(3, inChannels, 57, requires_grad: true);
        var upstream = randn(3, outChannels, 57);

        // (N, C, L), or (N, C, 1, L) in channels-last memory as cnn_1d runs it where that is faster.
        var actual = channelsLast
            ? ChannelAlignedConv.Forward(conv, MemoryLayout.ToChannelsLast(x.unsqueeze(2))).squeeze(2)
            : ChannelAlignedConv.Forward(conv, x);
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

    [Fact]
    public void ProbeFlagsAConvolutionWithTheDefect()
    {
        // Wrong like oneDNN's kernels: outputs of the channels past the last multiple of 16 are off by 20%.
        double error = ConvDefectProbe.WorstError((x, w, b, padding) =>
        {
            var y = nn.functional.conv1d(x, w, b, padding: padding);
            long aligned = y.shape[1] / 16 * 16;
            if (aligned == y.shape[1]) return y;
            using var factor = 1.2.ToScalar();
            return cat([y.narrow(1, 0, aligned), y.narrow(1, aligned, y.shape[1] - aligned).mul(factor)], 1);
        });
        Assert.True(error > ConvDefectProbe.Threshold, $"error {error:G3}");
    }

    [Fact]
    public void ProbePassesAnExactConvolution()
    {
        double error = ConvDefectProbe.WorstError((x, w, b, padding) => Aligned(w, b, x, padding));
        Assert.True(error < ConvDefectProbe.Threshold / 10, $"error {error:G3}");
    }

    [Fact]
    public void ProbeDoesNotMoveTheRandomStream()
    {
        torch.manual_seed(7);
        var expected = rand(3).data<float>().ToArray();
        torch.manual_seed(7);
        ConvDefectProbe.WorstError((x, w, b, padding) => nn.functional.conv1d(x, w, b, padding: padding));
        Assert.Equal(expected, rand(3).data<float>().ToArray());
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TheDecisionPicksThePath(bool align)
    {
        using var scope = NewDisposeScope();
        torch.manual_seed(3);
        var conv = nn.Conv1d(100, 150, 5, padding: 2);
        var x = randn(2, 100, 40);
        ChannelAlignedConv.ForceAlignment = align;
        try
        {
            var actual = ChannelAlignedConv.Forward(conv, x);
            // Bit-equal to the path taken: the same call with the same inputs on the same thread count.
            var expected = align ? ChannelAlignedConv.Aligned(conv.weight!, conv.bias, x, 1, 2) : conv.forward(x);
            Assert.Equal(0f, (actual - expected).abs().max().item<float>());
        }
        finally
        {
            ChannelAlignedConv.ForceAlignment = null;
        }
    }

    [Fact]
    public void ThisCpuFollowsItsProbe() => Assert.Equal(ConvDefectProbe.PlainConvIsDefective(), ChannelAlignedConv.AlignsOnCpu);

    private static void AssertClose(Tensor expected, Tensor actual, string what)
    {
        double error = (actual - expected).abs().max().item<float>() / expected.abs().max().item<float>();
        Assert.True(error < 1e-5, $"{what} off by {error:E2} of its scale");
    }

    /// <summary><see cref="ChannelAlignedConv.Aligned"/> on (N, C, L), in channels-last memory as the models run it.</summary>
    private static Tensor Aligned(Tensor w, Tensor? b, Tensor x, long padding)
    {
        using var map = x.unsqueeze(2);
        using var channelsLast = MemoryLayout.ToChannelsLast(map);
        using var output = ChannelAlignedConv.Aligned(w, b, channelsLast, 1, padding);
        return output.squeeze(2);
    }
}
