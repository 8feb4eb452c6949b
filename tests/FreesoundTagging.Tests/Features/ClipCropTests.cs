using FreesoundTagging.Features;
using Xunit;

namespace FreesoundTagging.Tests.Features;

public class ClipCropTests
{
    /// <summary>A clip of <paramref name="frames"/> frames of 2 bands whose values say which frame they are.</summary>
    private static float[] Clip(int frames) => Enumerable.Range(0, frames).SelectMany(t => new[] { t, t + 0.5f }).ToArray();

    [Fact]
    public void ACropOfALongClipIsAContiguousRun()
    {
        var crop = new float[4 * 2];
        ClipCrop.Copy(Clip(10), 10, 2, 3, 4, crop);
        Assert.Equal([3, 3.5f, 4, 4.5f, 5, 5.5f, 6, 6.5f], crop);
    }

    [Fact]
    public void AShortClipIsLoopedFromItsStartPhase()
    {
        var crop = new float[7 * 2];
        ClipCrop.Copy(Clip(3), 3, 2, 2, 7, crop);
        Assert.Equal([2, 0, 1, 2, 0, 1, 2], crop.Where((_, i) => i % 2 == 0));
    }

    [Fact]
    public void RandomStartsStayWhereTheCropFits()
    {
        var random = new Random(1);
        var longStarts = Enumerable.Range(0, 2000).Select(_ => ClipCrop.RandomStart(10, 4, random)).ToList();
        Assert.Equal(Enumerable.Range(0, 7), longStarts.Distinct().Order());
        var shortStarts = Enumerable.Range(0, 2000).Select(_ => ClipCrop.RandomStart(3, 8, random)).ToList();
        Assert.Equal(Enumerable.Range(0, 3), shortStarts.Distinct().Order());
        // A clip exactly as long as the crop is rotated to a random phase.
        Assert.Equal(Enumerable.Range(0, 4), Enumerable.Range(0, 500).Select(_ => ClipCrop.RandomStart(4, 4, random)).Distinct().Order());
    }

    [Theory]
    [InlineData(5, 8, 4, new[] { 0 })]
    [InlineData(8, 8, 4, new[] { 0 })]
    [InlineData(9, 8, 4, new[] { 0, 1 })]
    [InlineData(20, 8, 4, new[] { 0, 4, 8, 12 })]
    [InlineData(21, 8, 4, new[] { 0, 4, 8, 12, 13 })]
    public void WindowsCoverTheClipAndEndFlushWithIt(int frames, int window, int hop, int[] expected) =>
        Assert.Equal(expected, ClipCrop.WindowStarts(frames, window, hop));
}
