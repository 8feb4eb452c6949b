using FreesoundTagging.Runtime;
using FreesoundTagging.Torch;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Torch;

/// <summary>A host array reaches the CPU as a view of itself (no copy at all) and any other device as one copy.</summary>
[Collection(TorchCollection.Name)]
public class HostTransferTests
{
    public HostTransferTests() => TorchRuntime.Initialise(1);

    [Fact]
    public void OnTheCpuTheTensorIsTheArray()
    {
        var data = Enumerable.Range(0, 4 * 50 * 16 + 7).Select(i => (float)i).ToArray();
        using var warm = HostTransfer.ToDevice(data, [4, 50, 16], CPU);
        long before = GC.GetAllocatedBytesForCurrentThread();
        using var t = HostTransfer.ToDevice(data, [4, 50, 16], CPU);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        // A copy of the 12,800 floats would allocate 51 KB; a view allocates a few handles.
        Assert.True(allocated < 4096, $"{allocated} bytes allocated");
        Assert.Equal(new long[] { 4, 50, 16 }, t.shape);
        Assert.Equal(data.Take(4 * 50 * 16), t.data<float>().ToArray());
        data[5] = -1;
        Assert.Equal(-1f, t.reshape(-1)[5].item<float>());
    }

    [Fact]
    public void AnotherDeviceGetsItsOwnCopy()
    {
        var data = new float[] { 1, 2, 3, 4, 5, 6 };
        using var t = HostTransfer.ToDevice(data, [2, 3], META);
        Assert.Equal(DeviceType.META, t.device_type);
        Assert.Equal(new long[] { 2, 3 }, t.shape);
    }

    [Fact]
    public void MoreThanTheArrayHoldsIsRefused() =>
        Assert.Throws<ArgumentException>(() => HostTransfer.ToDevice(new float[5], [2, 3], CPU));
}
