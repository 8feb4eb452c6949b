using FreesoundTagging.Models;
using FreesoundTagging.Runtime;
using FreesoundTagging.Torch;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Models;

/// <summary>Keras 'same' max pooling, which runs through libtorch's own padding and ceil mode where they give the
/// same windows, against the definition: pad the shortfall (smaller half left) with -inf, then pool.</summary>
[Collection(TorchCollection.Name)]
public class KerasSamePoolingTests
{
    [Theory]
    [InlineData(3, 2)]
    [InlineData(2, 2)]
    [InlineData(3, 1)]
    [InlineData(5, 2)]
    [InlineData(4, 3)]
    [InlineData(7, 3)]
    public void EqualsPaddingWithMinusInfinityThenPooling(int pool, int stride)
    {
        TorchRuntime.Initialise();
        using var scope = NewDisposeScope();
        manual_seed(pool * 10 + stride);
        foreach (int length in Enumerable.Range(1, 23).Append(3001).Append(1501))
        {
            // Negative values too: a zero pad would win a window of negatives where -inf does not.
            var x = randn(2, 3, length).requires_grad_(true);
            var actual = KerasSamePooling.MaxPool1d(x, pool, stride);
            var expected = Definition(x, pool, stride);
            Assert.Equal(expected.shape, actual.shape);
            Assert.Equal(0f, (actual - expected).abs().max().item<float>());

            // The gradient reaches the same inputs.
            var upstream = randn_like(expected);
            var (gradActual, gradExpected) = (Gradient(x, actual, upstream), Gradient(x, expected, upstream));
            Assert.Equal(0f, (gradActual - gradExpected).abs().max().item<float>());

            // (N, C, 1, L) in channels-last memory: the same values, layout kept.
            var map = MemoryLayout.ToChannelsLast(x.detach().unsqueeze(2));
            var pooled = KerasSamePooling.MaxPool1d(map, pool, stride);
            Assert.Equal(0f, (pooled.squeeze(2) - expected.detach()).abs().max().item<float>());
            if (length > 1) Assert.Equal(1L, pooled.stride(1));
        }
    }

    private static Tensor Definition(Tensor x, long pool, long stride)
    {
        long length = x.shape[^1];
        long outLength = KerasSamePooling.OutputLength(length, stride);
        long total = Math.Max((outLength - 1) * stride + pool - length, 0);
        var padded = nn.functional.pad(x, [total / 2, total - total / 2], PaddingModes.Constant, double.NegativeInfinity);
        return nn.functional.max_pool1d(padded, pool, stride);
    }

    private static Tensor Gradient(Tensor x, Tensor y, Tensor upstream)
    {
        x.grad?.zero_();
        y.mul(upstream).sum().backward(retain_graph: true);
        return x.grad!.clone();
    }
}
