using FreesoundTagging.Audio;
using Xunit;

namespace FreesoundTagging.Tests.Audio;

public class ChannelMixerTests
{
    [Fact]
    public void ToMonoSumsChannelsInFloat32ThenDivides()
    {
        var mono = new float[2];
        ChannelMixer.ToMono([0.1f, 0.2f, 0.4f, -1f, 1f, 0.5f], 3, mono);
        float first = (0.1f + 0.2f + 0.4f) / 3f;
        Assert.Equal([first, 0.5f / 3f], mono);
    }

    [Fact]
    public void StereoIsTheMeanOfThePair()
    {
        var mono = new float[2];
        ChannelMixer.ToMono([0.25f, 0.5f, -1f, 1f], 2, mono);
        Assert.Equal([(0.25f + 0.5f) / 2f, 0f], mono);
    }

    [Fact]
    public void MonoIsCopiedAsItIs()
    {
        var mono = new float[3];
        ChannelMixer.ToMono([0.5f, -0.5f], 1, mono);
        Assert.Equal([0.5f, -0.5f, 0f], mono);
    }

    [Fact]
    public void APartialFrameIsLeftOutAndBadArgumentsAreRefused()
    {
        var mono = new float[1];
        ChannelMixer.ToMono([0.5f, 0.25f, 0.75f], 2, mono);
        Assert.Equal([(0.5f + 0.25f) / 2f], mono);
        Assert.Throws<ArgumentOutOfRangeException>(() => ChannelMixer.ToMono([1f], 0, new float[1]));
        Assert.Throws<ArgumentException>(() => ChannelMixer.ToMono([1f, 2f, 3f, 4f], 2, new float[1]));
    }
}
