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
}
