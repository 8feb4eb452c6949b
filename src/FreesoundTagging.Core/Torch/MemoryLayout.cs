using static TorchSharp.torch;

namespace FreesoundTagging.Torch;

/// <summary>Tensor memory layouts that TorchSharp 0.107 has no <c>memory_format</c> argument for.</summary>
public static class MemoryLayout
{
    /// <summary>An (N, C, H, W) tensor's values with channels-last (NHWC) strides, same shape: the layout libtorch's
    /// CPU convolutions, batch norm and pooling run on without oneDNN reorders, and keep from input to output.</summary>
    public static Tensor ToChannelsLast(Tensor x)
    {
        using var nhwc = x.permute(0, 2, 3, 1).contiguous();
        return nhwc.permute(0, 3, 1, 2);
    }
}
