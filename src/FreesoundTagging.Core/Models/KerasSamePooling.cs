using TorchSharp;
using static TorchSharp.torch;

namespace FreesoundTagging.Models;

/// <summary>Keras' MaxPooling1D(pool_size, strides, padding='same'), which PyTorch has no direct equivalent of.</summary>
public static class KerasSamePooling
{
    /// <summary>Output length of a 'same' pooling of <paramref name="length"/> steps: ceil(length / stride).</summary>
    public static long OutputLength(long length, long stride) => (length + stride - 1) / stride;

    /// <summary>Steps of padding Keras puts before the first window: the smaller half of the total shortfall.</summary>
    public static long LeftPad(long length, long pool, long stride) => Math.Max((OutputLength(length, stride) - 1) * stride + pool - length, 0) / 2;

    /// <summary>
    /// Max-pools (N, C, L) to (N, C, ceil(L / stride)). Keras pads the total shortfall with the smaller half on the
    /// left; padding with -inf rather than zeros keeps padded positions from ever winning, whatever the sign of the
    /// inputs. Every window holds at least one real step because the left pad is at most (pool − 1) / 2.
    /// </summary>
    public static Tensor MaxPool1d(Tensor input, long pool, long stride)
    {
        long length = input.shape[^1];
        long outLength = OutputLength(length, stride);
        long totalPad = Math.Max((outLength - 1) * stride + pool - length, 0);
        long left = totalPad / 2;
        long right = totalPad - left;
        if (totalPad == 0) return nn.functional.max_pool1d(input, pool, stride);
        using var padded = nn.functional.pad(input, [left, right], PaddingModes.Constant, double.NegativeInfinity);
        return nn.functional.max_pool1d(padded, pool, stride);
    }
}
