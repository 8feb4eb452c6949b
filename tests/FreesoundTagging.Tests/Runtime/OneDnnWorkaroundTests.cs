using FreesoundTagging.Runtime;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Runtime;

/// <summary>Guards against libtorch's oneDNN convolutions giving wrong numbers (see OneDnnWorkaround).</summary>
[Collection(TorchCollection.Name)]
public class OneDnnWorkaroundTests
{
    [Theory]
    [InlineData(64, 100, 7)]
    [InlineData(100, 150, 5)]
    [InlineData(150, 200, 3)]
    public void Conv1dAgreesWithAnIm2colMatmul(int inChannels, int outChannels, int kernel)
    {
        TorchRuntime.Initialise();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var x = randn(2, inChannels, 40);
        var w = randn(outChannels, inChannels, kernel) * 0.1;
        var actual = nn.functional.conv1d(x, w, padding: kernel / 2);

        var padded = nn.functional.pad(x, [kernel / 2, kernel / 2]);
        var columns = stack(Enumerable.Range(0, 40).Select(s => padded[.., .., s..(s + kernel)].reshape(2, -1)).ToArray(), 2);
        var expected = w.reshape(outChannels, -1).matmul(columns);

        double error = (actual - expected).abs().max().item<float>() / expected.abs().max().item<float>();
        Assert.True(error < 1e-5, $"conv1d off by {error:E2} of its scale ({OneDnnWorkaround.Variable}={Environment.GetEnvironmentVariable(OneDnnWorkaround.Variable)})");
    }
}
