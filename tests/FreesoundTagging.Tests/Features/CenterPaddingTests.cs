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
    [InlineData(1, 5, StftPadMode.Reflect)]
    [InlineData(2, 7, StftPadMode.Reflect)]
    [InlineData(3, 5, StftPadMode.Reflect)]
    [InlineData(10, 4, StftPadMode.Reflect)]
    [InlineData(10, 25, StftPadMode.Reflect)]
    [InlineData(3, 5, StftPadMode.Constant)]
    public void SampleAtReadsThePaddedSignalWithoutBuildingIt(int length, int pad, StftPadMode mode)
    {
        var samples = Enumerable.Range(1, length).Select(i => (float)i).ToArray();
        float[] padded = CenterPadding.Apply(samples, pad, mode);
        for (int i = 0; i < padded.Length; i++)
            Assert.Equal(padded[i], CenterPadding.SampleAt(samples, i - pad, mode));
    }
}
