using FreesoundTagging.Runtime;
using TorchSharp;
using Xunit;
using Status = FreesoundTagging.Torch.ComputeDevice.CudaStatus;
using FreesoundTagging.Torch;

namespace FreesoundTagging.Tests.Torch;

/// <summary>--device auto|cpu|cuda|cuda:N: what each name resolves to with and without CUDA, and the one line a
/// device that cannot be used gets.</summary>
[Collection(TorchCollection.Name)]
public class ComputeDeviceTests
{
    private static readonly Status NoCuda = new(0, "libtorch_cuda did not load");
    private static readonly Status OneGpu = new(1, "");
    private static readonly Status TwoGpus = new(2, "");

    [Fact]
    public void CpuIsTheCpuAndNamesTheLibtorchBuild()
    {
        var d = ComputeDevice.Resolve("cpu", () => throw new InvalidOperationException("cpu must not probe CUDA"), cudaBuild: false);
        Assert.True(d.IsCpu);
        Assert.Equal($"cpu (libtorch {TorchBuild.LibTorchVersion}, CPU build)", d.Description);
        Assert.Null(d.Warning);
    }

    [Fact]
    public void ThisBuildReportsTheLibtorchItCarries()
    {
        Assert.False(TorchBuild.IsCuda);
        Assert.Matches(@"^\d+\.\d+\.\d+$", TorchBuild.LibTorchVersion);
        Assert.Equal("cpu (libtorch " + TorchBuild.LibTorchVersion + ", CPU build)", ComputeDevice.Resolve("CPU").Description);
    }

    [Fact]
    public void AutoTakesTheFirstGpuWhenThereIsOne()
    {
        var d = ComputeDevice.Resolve("auto", () => TwoGpus, cudaBuild: true);
        Assert.Equal(DeviceType.CUDA, d.Device.type);
        Assert.Equal(0, d.Device.index);
        Assert.StartsWith("cuda:0 of 2 (libtorch", d.Description);
        Assert.Contains("TF32 off", d.Description);
    }

    [Fact]
    public void AutoOnACpuBuildIsTheCpuWithoutComplaint()
    {
        var d = ComputeDevice.Resolve("auto", () => NoCuda, cudaBuild: false);
        Assert.True(d.IsCpu);
        Assert.Null(d.Warning);
    }

    [Fact]
    public void AutoOnACudaBuildWithoutAGpuRunsOnTheCpuAndSaysWhy()
    {
        var d = ComputeDevice.Resolve("auto", () => NoCuda, cudaBuild: true);
        Assert.True(d.IsCpu);
        Assert.NotNull(d.Warning);
        Assert.Contains("CUDA build, but CUDA cannot be used here (libtorch_cuda did not load): running on the CPU", d.Warning);
    }

    [Theory]
    [InlineData("cuda", false, "this build carries the CPU-only libtorch; build the CUDA flavour with -p:TorchBackend=cuda")]
    [InlineData("cuda:0", false, "this build carries the CPU-only libtorch")]
    [InlineData("cuda", true, "CUDA cannot be used on this machine (libtorch_cuda did not load)")]
    public void CudaWhereThereIsNoneIsOneLineNamingWhy(string name, bool cudaBuild, string expected)
    {
        var e = Assert.Throws<InvalidInputException>(() => ComputeDevice.Resolve(name, () => NoCuda, cudaBuild));
        Assert.Contains(expected, e.Message);
        Assert.DoesNotContain("\n", e.Message);
    }

    [Theory]
    [InlineData("cuda:1", 1, "this machine has 1 CUDA device (cuda:0)")]
    [InlineData("cuda:2", 2, "this machine has 2 CUDA devices (cuda:0 to cuda:1)")]
    public void ACudaIndexPastTheDevicesPresentIsRefused(string name, int count, string expected)
    {
        var e = Assert.Throws<InvalidInputException>(() => ComputeDevice.Resolve(name, () => new Status(count, ""), cudaBuild: true));
        Assert.Contains(expected, e.Message);
    }

    [Fact]
    public void CudaNIsThatDevice()
    {
        var d = ComputeDevice.Resolve("cuda:1", () => TwoGpus, cudaBuild: true);
        Assert.Equal(DeviceType.CUDA, d.Device.type);
        Assert.Equal(1, d.Device.index);
        Assert.Equal(DeviceType.CUDA, ComputeDevice.Resolve("cuda", () => OneGpu, cudaBuild: true).Device.type);
    }

    [Theory]
    [InlineData("gpu")]
    [InlineData("cuda:")]
    [InlineData("cuda:-1")]
    [InlineData("mps")]
    public void UnknownNamesAreRefused(string name) =>
        Assert.Contains("unknown device", Assert.Throws<InvalidInputException>(() => ComputeDevice.Resolve(name, () => OneGpu, cudaBuild: true)).Message);

    [Fact]
    public void OnThisMachineCudaIsRefusedAndAutoIsTheCpu()
    {
        Assert.True(ComputeDevice.Resolve("auto").IsCpu);
        Assert.Throws<InvalidInputException>(() => ComputeDevice.Resolve("cuda"));
        Assert.Throws<InvalidInputException>(() => ComputeDevice.Resolve("cuda:3"));
    }

    [Fact]
    public void EachResolutionIsAnnouncedOncePerRun()
    {
        var seen = new List<string>();
        void Listen(ComputeDevice d) => seen.Add(d.Description);
        var before = ComputeDevice.Chosen;
        ComputeDevice.Chosen = Listen;
        try
        {
            ComputeDevice.AnnounceAgain();
            ComputeDevice.Resolve("cpu", announce: false);
            Assert.Empty(seen);
            ComputeDevice.Resolve("cpu");
            ComputeDevice.Resolve(" CPU ");
            Assert.Single(seen);
            ComputeDevice.AnnounceAgain();
            ComputeDevice.Resolve("cpu");
            Assert.Equal(2, seen.Count);
        }
        finally
        {
            ComputeDevice.Chosen = before;
        }
    }
}
