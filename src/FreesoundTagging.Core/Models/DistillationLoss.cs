using FreesoundTagging.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace FreesoundTagging.Models;

/// <summary>
/// Knowledge distillation's loss (Hinton et al. 2015): (1 − α)·CE(labels, softmax(z)) + α·T²·CE(teacher_T, softmax(z / T)),
/// each a weighted mean over the batch (<see cref="SoftTargetCrossEntropy"/>). The teacher's targets come already
/// softened by T (<see cref="Training.TeacherTargets"/>); T² keeps the soft term's gradients the size of the hard
/// term's whatever T is. With α = 0 it is the plain loss.
/// </summary>
public static class DistillationLoss
{
    public static Tensor Compute(Tensor logits, Tensor targets, Tensor teacherTargets, Tensor weights, double temperature, double weight)
    {
        using var scope = NewDisposeScope();
        using var hardShare = (1 - weight).ToScalar();
        using var softShare = (weight * temperature * temperature).ToScalar();
        using var inverseTemperature = (1 / temperature).ToScalar();
        var hard = SoftTargetCrossEntropy.Compute(logits, targets, weights);
        var soft = SoftTargetCrossEntropy.Compute(logits.mul(inverseTemperature), teacherTargets, weights);
        return hard.mul(hardShare).add_(soft.mul(softShare), OwnedScalars.One).MoveToOuterDisposeScope();
    }
}
