using FreesoundTagging.Features;
using Xunit;

namespace FreesoundTagging.Tests.Features;

public class CenterPaddingTests
{
    [Fact]
    public void ReflectMatchesNumpyForShortAndLongPads()
    {
        // np.pad([1,2,3], 2, 'reflect') and np.pad([1,2,3], 5, 'reflect')
        Assert.Equal(new float[] { 3, 2, 1, 2, 3, 2, 1 }, CenterPadding.Apply(new float[] { 1, 2, 3 }, 2, StftPadMode.Reflect));
        Assert.Equal(new float[] { 2, 1, 2, 3, 2, 1, 2, 3, 2, 1, 2, 3, 2 }, CenterPadding.Apply(new float[] { 1, 2, 3 }, 5, StftPadMode.Reflect));
    }

    [Fact]
    public void ConstantPadsWithZeros()
    {
        Assert.Equal(new float[] { 0, 0, 1, 2, 0, 0 }, CenterPadding.Apply(new float[] { 1, 2 }, 2, StftPadMode.Constant));
    }

    [Fact]
    public void SingleSampleIsRepeated()
    {
        Assert.Equal(new float[] { 7, 7, 7, 7, 7 }, CenterPadding.Apply(new float[] { 7 }, 2, StftPadMode.Reflect));
    }

    [Theory]
    [InlineData(2, 7)]
    [InlineData(3, 5)]
    [InlineData(10, 4)]
    [InlineData(10, 25)]
    public void SampleAtReflectsLikeMirroringUntilInside(int length, int pad)
    {
        // numpy's reflect, the slow way: mirror at whichever edge the position is past until it lands inside.
        static int Fold(long p, int n)
        {
            while (p < 0 || p >= n) p = p < 0 ? -p : 2L * (n - 1) - p;
            return (int)p;
        }
        var samples = Enumerable.Range(1, length).Select(i => (float)i).ToArray();
        for (long position = -pad; position < length + pad; position++)
            Assert.Equal(samples[Fold(position, length)], CenterPadding.SampleAt(samples, position, StftPadMode.Reflect));
        Assert.Equal(0f, CenterPadding.SampleAt(samples, -1, StftPadMode.Constant));
        Assert.Equal(0f, CenterPadding.SampleAt(samples, length, StftPadMode.Constant));
    }
}
