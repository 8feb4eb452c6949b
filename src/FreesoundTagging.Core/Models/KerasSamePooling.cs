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
    /// Max-pools the last dimension of (N, C, L) or (N, C, 1, L) to ceil(L / stride) steps. Keras pads the total
    /// shortfall with the smaller half on the left, and a padded step never wins (as with -inf, whatever the sign
    /// of the inputs; every window holds at least one real step because the left pad is at most (pool − 1) / 2).
    /// libtorch's own padding (implicit -inf) and ceil mode express that without a padded copy wherever they give
    /// the same windows, as for every pool of 3 with stride 2; else the input is padded with -inf first. A 4-D
    /// input keeps its memory layout (channels-last stays channels-last).
    /// </summary>
    public static Tensor MaxPool1d(Tensor input, long pool, long stride)
    {
        long length = input.shape[^1];
        long outLength = OutputLength(length, stride);
        long totalPad = Math.Max((outLength - 1) * stride + pool - length, 0);
        long left = totalPad / 2;
        long right = totalPad - left;
        // libtorch's windows start where Keras' do when it pads `left` (on both sides, at most pool / 2); ceil mode
        // adds a last, partial window when one starts inside. Same windows whenever the counts agree.
        long span = length + 2 * left - pool;
        if (left <= pool / 2 && span >= 0)
            foreach (bool ceil in new[] { false, true })
            {
                long steps = (ceil ? (span + stride - 1) / stride : span / stride) + 1;
                if (ceil && (steps - 1) * stride >= length + left) steps--;
                if (steps == outLength) return Pool(input, pool, stride, left, ceil);
            }
        using var padded = nn.functional.pad(input, [left, right], PaddingModes.Constant, double.NegativeInfinity);
        return Pool(padded, pool, stride, 0, false);
    }

    private static Tensor Pool(Tensor input, long pool, long stride, long padding, bool ceil) => input.dim() == 4
        ? nn.functional.max_pool2d(input, [1, pool], [1, stride], [0, padding], ceil_mode: ceil)
        : nn.functional.max_pool1d(input, pool, stride, padding, ceil_mode: ceil);
}
