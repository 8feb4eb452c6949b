using TorchSharp;
using static TorchSharp.torch;

namespace FreesoundTagging.Models;

/// <summary>
/// Keras' categorical_crossentropy on logits: the mean over the batch of −Σ y · log_softmax(logits). Targets may
/// be soft (any non-negative rows, e.g. mixup or label smoothing), not only one-hot. log_softmax keeps it finite
/// where softmax followed by log would underflow to log 0.
/// </summary>
public sealed class SoftTargetCrossEntropy : nn.Module<Tensor, Tensor, Tensor>
{
    public SoftTargetCrossEntropy() : base(nameof(SoftTargetCrossEntropy)) { }

    /// <summary>Logits (N, C) and targets (N, C) → scalar loss.</summary>
    public override Tensor forward(Tensor logits, Tensor targets) => Compute(logits, targets);

    /// <inheritdoc cref="forward"/>
    public static Tensor Compute(Tensor logits, Tensor targets)
    {
        using var perExample = NegativePerExample(logits, targets);
        using var mean = perExample.mean();
        return mean.neg();
    }

    // Rooted, not converted at the call: see OwnedScalars.
    private static readonly TorchSharp.Scalar SmallestWeightSum = 1e-12.ToScalar();

    /// <summary>The weighted mean over the batch, Σ wᵢ·lossᵢ / Σ wᵢ, for weights (N) ≥ 0 (e.g. lower for rows
    /// whose label nobody verified). A batch whose weights are all 0 has loss 0 and no gradient.</summary>
    public static Tensor Compute(Tensor logits, Tensor targets, Tensor weights)
    {
        if (weights.dim() != 1 || weights.shape[0] != logits.shape[0])
            throw new ArgumentException($"expected one weight per example ({logits.shape[0]}), got ({string.Join(", ", weights.shape)})");
        using var perExample = NegativePerExample(logits, targets);
        using var total = (perExample * weights).sum();
        using var weightSum = weights.sum().clamp_min(SmallestWeightSum);
        using var mean = total / weightSum;
        return mean.neg();
    }

    /// <summary>Σ_c y · log_softmax(logits) for each example (N): minus each example's loss.</summary>
    private static Tensor NegativePerExample(Tensor logits, Tensor targets)
    {
        if (logits.dim() != 2 || !logits.shape.SequenceEqual(targets.shape))
            throw new ArgumentException($"expected logits and targets of the same shape (N, C), got ({string.Join(", ", logits.shape)}) and ({string.Join(", ", targets.shape)})");
        using var logProbabilities = nn.functional.log_softmax(logits, 1);
        using var weighted = targets * logProbabilities;
        return weighted.sum(1);
    }
}
