using FreesoundTagging.Runtime;
using FreesoundTagging.Torch;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Torch;

[Collection(TorchCollection.Name)]
public class MemoryLayoutTests
{
    public MemoryLayoutTests() => TorchRuntime.Initialise();

    [Fact]
    public void ToChannelsLastKeepsShapeAndValues()
    {
        using var scope = NewDisposeScope();
        var x = randn(3, 5, 4, 7);
        var last = MemoryLayout.ToChannelsLast(x);
        Assert.Equal(x.shape, last.shape);
        Assert.Equal(new long[] { 5 * 4 * 7, 1, 7 * 5, 5 }, last.stride());
        Assert.True(x.eq(last).all().item<bool>());
    }
}
