using FreesoundTagging.Audio;
using Xunit;

namespace FreesoundTagging.Tests.Audio;

public class AudioClipTests
{
    [Fact]
    public void ToMonoSumsChannelsInFloat32ThenDivides()
    {
        var clip = new AudioClip(44100, 3, [0.1f, 0.2f, 0.4f, -1f, 1f, 0.5f]);
        float first = (0.1f + 0.2f + 0.4f) / 3f;
        Assert.Equal([first, 0.5f / 3f], clip.ToMono());
        Assert.Equal(2, clip.FrameCount);
    }

    [Fact]
    public void MonoClipIsItsOwnMono()
    {
        float[] samples = [0.5f, -0.5f];
        Assert.Same(samples, new AudioClip(16000, 1, samples).ToMono());
    }

    [Fact]
    public void RejectsPartialFrames()
    {
        Assert.Throws<ArgumentException>(() => new AudioClip(44100, 2, new float[3]));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AudioClip(0, 1, []));
    }
}
