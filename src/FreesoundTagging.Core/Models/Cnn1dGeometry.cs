namespace FreesoundTagging.Models;

/// <summary>
/// Where cnn_1d's body (conv k7 → 'same' pool 3/2 → conv k5 → pool 3/2 → conv k3) looks, for an input of
/// <see cref="Length"/> frames. Every index relation is affine with slope 4 (two stride-2 pools), so the input
/// frames conv3 position q depends on are exactly [4q + <see cref="InputLo"/>, 4q + <see cref="InputHi"/>] and
/// the pool1 positions exactly [2q + <see cref="Pool1Lo"/>, 2q + <see cref="Pool1Hi"/>]. Keras 'same' pooling puts
/// its left pad (0 or 1) by the parity of each pool's input length, so the offsets depend on
/// <see cref="Length"/> mod 4 only. For 3001 frames: receptive field [4q − 14, 4q + 14] (29 frames),
/// pool1 range [2q − 5, 2q + 5]. Derivation: docs/performance.md.
/// </summary>
internal sealed class Cnn1dGeometry
{
    private const int PoolSize = 3, PoolStride = 2;

    public Cnn1dGeometry(long length)
    {
        if (length < 1) throw new ArgumentOutOfRangeException(nameof(length), length, "must be positive");
        Length = length;
        Pool1Length = KerasSamePooling.OutputLength(length, PoolStride);
        Conv3Length = KerasSamePooling.OutputLength(Pool1Length, PoolStride);
        long left1 = KerasSamePooling.LeftPad(length, PoolSize, PoolStride);
        long left2 = KerasSamePooling.LeftPad(Pool1Length, PoolSize, PoolStride);
        int[] k = Cnn1dModel.KernelSizes;
        // conv3 at q reads pool2 [q − k3/2, q + k3/2]; pool2 at p reads conv2 [2p − left2, 2p − left2 + 2];
        // conv2 at s reads pool1 [s − k2/2, s + k2/2]; pool1 at r reads conv1 [2r − left1, 2r − left1 + 2];
        // conv1 at t reads input [t − k1/2, t + k1/2]. Composed for q = 0:
        long conv2Lo = PoolStride * (-(k[2] / 2)) - left2, conv2Hi = PoolStride * (k[2] / 2) - left2 + PoolSize - 1;
        Pool1Lo = conv2Lo - k[1] / 2;
        Pool1Hi = conv2Hi + k[1] / 2;
        InputLo = PoolStride * Pool1Lo - left1 - k[0] / 2;
        InputHi = PoolStride * Pool1Hi - left1 + PoolSize - 1 + k[0] / 2;
    }

    /// <summary>Input frames (the padded length).</summary>
    public long Length { get; }

    public long Pool1Length { get; }

    /// <summary>Positions of conv3, over which the global max is taken.</summary>
    public long Conv3Length { get; }

    public long InputLo { get; }

    public long InputHi { get; }

    public long Pool1Lo { get; }

    public long Pool1Hi { get; }

    /// <summary>Frames whose pooling phase is the same as <see cref="Length"/>'s: offsets repeat every 4 frames.</summary>
    public const int Phase = PoolStride * PoolStride;

    /// <summary>The first conv3 position none of whose inputs is below frame <paramref name="frames"/>.</summary>
    public long FirstBeyond(long frames) => Math.Max(0, CeilDiv(frames - InputLo, Phase));

    /// <summary>The first conv3 position the right end reaches: conv2's zero padding past pool1's end, which
    /// differs from the constant pool1 value of an all-zero region (conv1's own zero padding does not: it is
    /// the same as zero input). Positions from here on are the "right-end" activations.</summary>
    public long FirstRightEnd => Math.Max(0, CeilDiv(Pool1Length - Pool1Hi, PoolStride));

    /// <summary>The first conv3 position the left end does not reach (conv2's zero padding before pool1's start).</summary>
    public long FirstPastLeftEnd => Math.Max(0, CeilDiv(-Pool1Lo, PoolStride));

    /// <summary>The last conv3 position computed exactly from the first <paramref name="frames"/> frames alone
    /// (its receptive field ends inside them), when <paramref name="frames"/> ≡ Length (mod 4).</summary>
    public long LastWithin(long frames) => FloorDiv(frames - 1 - InputHi, Phase);

    /// <summary>The shortest length ≥ <paramref name="frames"/> with the same pooling phase as <see cref="Length"/>.</summary>
    public long InPhase(long frames)
    {
        long shift = ((Length - frames) % Phase + Phase) % Phase;
        return frames + shift;
    }

    private static long CeilDiv(long a, long b) => -FloorDiv(-a, b);

    private static long FloorDiv(long a, long b) => a >= 0 ? a / b : -((-a + b - 1) / b);
}
