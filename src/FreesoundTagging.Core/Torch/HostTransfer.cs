using System.Runtime.InteropServices;
using TorchSharp;
using static TorchSharp.torch;

namespace FreesoundTagging.Torch;

/// <summary>
/// Host arrays as tensors on a device with the fewest copies the device allows: none on the CPU (the tensor is a
/// view of the array), one into pinned memory and a non-blocking transfer on a GPU.
/// </summary>
/// <remarks>
/// Why: <c>torch.tensor(float[])</c> clones its array, and a transfer from ordinary (pageable) memory makes the
/// driver stage it through a pinned buffer of its own while the host waits. Pinned memory comes from libtorch's
/// caching host allocator, which keeps a block from reuse until the transfer that read it has run, so the array
/// may be refilled as soon as this returns.
/// </remarks>
public static class HostTransfer
{
    /// <summary>The first <c>product(shape)</c> floats of <paramref name="data"/> as a tensor of
    /// <paramref name="shape"/> on <paramref name="device"/>. On the CPU the tensor shares the array's memory: the
    /// caller must not change the array while the tensor is in use.</summary>
    public static Tensor ToDevice(float[] data, long[] shape, Device device)
    {
        long count = 1;
        foreach (long d in shape) count *= d;
        if (count > data.LongLength) throw new ArgumentException($"{count} values asked for, the array holds {data.LongLength}", nameof(shape));
        if (count == 0) return empty(shape, ScalarType.Float32, device);
        using var flat = frombuffer(data, ScalarType.Float32, count);
        if (device.type == DeviceType.CPU) return flat.view(shape);
        if (device.type != DeviceType.CUDA) return flat.view(shape).to(device);
        using var pinned = Pinned(flat);
        using var shaped = pinned.view(shape);
        return shaped.to(device, non_blocking: true);
    }

    /// <summary>A copy of <paramref name="tensor"/> in page-locked memory (TorchSharp binds no pin_memory; its native
    /// library exports it). Needs a CUDA build of libtorch.</summary>
    internal static Tensor Pinned(Tensor tensor)
    {
        IntPtr handle = THSTensor_pin_memory(tensor.Handle);
        if (handle == IntPtr.Zero) torch.CheckForErrors();
        return Tensor.UnsafeCreateTensor(handle);
    }

    [DllImport("LibTorchSharp")]
    private static extern IntPtr THSTensor_pin_memory(IntPtr tensor);
}
