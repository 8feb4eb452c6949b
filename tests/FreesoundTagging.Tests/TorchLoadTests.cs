using FreesoundTagging.Runtime;
using TorchSharp;
using Xunit;
using FreesoundTagging.Torch;

namespace FreesoundTagging.Tests;

[Collection(TorchCollection.Name)]
public class TorchLoadTests
{
    [Fact]
    public void LibtorchLoadsAndRunsATensorOp()
    {
        TorchRuntime.Initialise();
        using var a = torch.tensor(new float[] { 0, 1, 2, 3, 4, 5 }).reshape(2, 3);
        using var b = torch.ones(3, 2);
        using var c = a.matmul(b);
        Assert.Equal(new float[] { 3, 3, 12, 12 }, c.data<float>().ToArray());
    }

    [Fact]
    public void MallocTuningIsAppliedOnLinux()
    {
        TorchRuntime.Initialise();
        Assert.Equal(OperatingSystem.IsLinux(), NativeMemoryTuning.IsApplied);
    }

    [Fact]
    public void NnpackIsSwitchedOffSoItsUnsupportedHardwareWarningsNeverPrint()
    {
        TorchRuntime.Initialise();
        Assert.False(NnpackSwitch.IsEnabled());
    }

    [Fact]
    public void ResolvingADeviceKeepsTheThreadCountTheUserChose()
    {
        try
        {
            TorchRuntime.Initialise(1);
            ComputeDevice.Resolve("cpu");
            TorchRuntime.Initialise();
            Assert.Equal(1, torch.get_num_threads());
        }
        finally
        {
            TorchRuntime.Initialise(Environment.ProcessorCount);
        }
    }

    [Theory]
    [InlineData("tpu")]
    [InlineData("cuda")]
    public void UnknownOrUnavailableDevicesAreUserErrors(string device)
    {
        if (device == "cuda" && torch.cuda.is_available()) return; // a GPU machine legitimately has it
        Assert.Throws<InvalidInputException>(() => ComputeDevice.Resolve(device));
    }
}
