using FreesoundTagging.Runtime;
using FreesoundTagging.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace FreesoundTagging.Training;

/// <summary>
/// An epoch's running loss sum and correct count, kept on the training device and read back only when asked
/// (<see cref="Read"/>): on a GPU a read waits for every queued step, so the trainer reads at progress updates,
/// not after each step.
/// </summary>
/// <remarks>The sum is float64 and each step adds <c>(float)(loss × batch)</c> widened to double, which is what a
/// host-side <c>double += float * int</c> computes: the history's losses do not depend on where they were summed.</remarks>
internal sealed class StepTotals : IDisposable
{
    private readonly Tensor _lossSum;
    private readonly Tensor _correct;

    /// <summary>Totals continuing from <paramref name="lossSum"/>, <paramref name="correct"/> and <paramref name="seen"/>
    /// rows (a resumed epoch's; zeros for a new one).</summary>
    public StepTotals(Device device, double lossSum, long correct, long seen)
    {
        Seen = seen;
        _lossSum = tensor(lossSum, ScalarType.Float64, device);
        _correct = tensor(correct, ScalarType.Int64, device);
    }

    /// <summary>Rows added so far (known on the host without a read).</summary>
    public long Seen { get; private set; }

    /// <summary>Adds a step: its mean loss (a 0-d tensor), logits and targets (argmax agreement counts as correct).</summary>
    public void Add(Tensor loss, Tensor logits, Tensor targets, int rows)
    {
        // Owned Scalars: TorchSharp's implicit ones can be finalized mid-call (OwnedScalars).
        using var rowCount = rows.ToScalar();
        using var detached = loss.detach();
        using var scaled = detached.mul(rowCount);
        using var wide = scaled.to_type(ScalarType.Float64);
        _lossSum.add_(wide, OwnedScalars.One);
        using var predicted = logits.detach().argmax(1);
        using var truth = targets.argmax(1);
        using var hits = predicted.eq(truth);
        using var count = hits.sum();
        _correct.add_(count, OwnedScalars.One);
        Seen += rows;
    }

    /// <summary>The loss sum and correct count, read back from the device (waits for the queued steps on a GPU).</summary>
    public (double LossSum, long Correct) Read() => (_lossSum.item<double>(), _correct.item<long>());

    public void Dispose()
    {
        _lossSum.Dispose();
        _correct.Dispose();
    }
}
