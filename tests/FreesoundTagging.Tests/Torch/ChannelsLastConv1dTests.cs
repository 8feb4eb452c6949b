using FreesoundTagging.Torch;
using Xunit;

namespace FreesoundTagging.Tests.Torch;

public class ChannelsLastConv1dTests
{
    [Theory]
    [InlineData(null, false)]
    [InlineData("", false)]
    [InlineData("ALL", false)]
    [InlineData("all", false)]
    [InlineData("AVX512_CORE", false)]
    [InlineData("AVX512_CORE_AMX", false)]
    [InlineData("AVX10_1_512", false)]
    [InlineData("AVX2", true)]
    [InlineData("AVX2_VNNI", true)]
    [InlineData("SSE41", true)]
    [InlineData("AVX", true)]
    public void AnIsaCapBelowAvx512KeepsTheChannelsFirstLayout(string? cap, bool below) =>
        Assert.Equal(below, ChannelsLastConv1d.CapsBelowAvx512(cap));
}
