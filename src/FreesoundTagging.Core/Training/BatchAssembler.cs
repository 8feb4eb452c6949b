using FreesoundTagging.Datasets;
using static TorchSharp.torch;

namespace FreesoundTagging.Training;

/// <summary>A batch copied out of the memory-mapped arrays into reusable buffers.</summary>
public sealed class AssembledBatch(float[] samples, float[] targets, float[] weights, int melCount, int classes)
{
    internal float[] SampleBuffer { get; } = samples;

    internal float[] TargetBuffer { get; } = targets;

    internal float[] WeightBuffer { get; } = weights;

    public int Count { get; internal set; }

    public int Frames { get; internal set; }

    /// <summary>Per row, 1 + its last frame holding a non-zero value (after augmentation): the padding past it is
    /// exactly zero, which is what lets the 1-D networks skip it (<see cref="Models.Cnn1dModel.ForwardPadded"/>).</summary>
    public int[] ContentFrames { get; internal set; } = [];

    /// <summary>(Count, Frames, MelCount) on <paramref name="device"/>.</summary>
    public Tensor Samples(Device device) =>
        tensor(SampleBuffer.AsSpan(0, Count * Frames * melCount).ToArray(), new long[] { Count, Frames, melCount }).to(device);

    /// <summary>(Count, <paramref name="frames"/>, MelCount): the first frames of each row, for a padded batch
    /// whose rows are all zero past them.</summary>
    public Tensor Samples(Device device, int frames)
    {
        if (frames >= Frames) return Samples(device);
        int row = Frames * melCount, kept = frames * melCount;
        var cropped = new float[Count * kept];
        for (int i = 0; i < Count; i++) SampleBuffer.AsSpan(i * row, kept).CopyTo(cropped.AsSpan(i * kept));
        return tensor(cropped, new long[] { Count, frames, melCount }).to(device);
    }

    /// <summary>(Count, C) targets on <paramref name="device"/>: one-hot, or blended by mixup.</summary>
    public Tensor Targets(Device device) =>
        tensor(TargetBuffer.AsSpan(0, Count * classes).ToArray(), new long[] { Count, classes }).to(device);

    /// <summary>(Count) loss weights on <paramref name="device"/> (1 unless unverified labels are down-weighted).</summary>
    public Tensor Weights(Device device) => tensor(WeightBuffer.AsSpan(0, Count).ToArray(), new long[] { Count }).to(device);
}

/// <summary>
/// Fills batches on a worker thread from two recycled buffers, so reading the next batch from disk (and
/// augmenting it) overlaps the current training step without allocating 50 MB per step.
/// </summary>
public sealed class BatchAssembler(TrainingSet data, int batchSize, int maxFrames, Augmentation? augmentation = null)
{
    private readonly Augmentation _augmentation = augmentation ?? Augmentation.None;

    private readonly Stack<AssembledBatch> _free = new(
        Enumerable.Range(0, 2).Select(_ => new AssembledBatch(
            new float[batchSize * maxFrames * data.Features.MelCount], new float[batchSize * data.Classes.Count], new float[batchSize],
            data.Features.MelCount, data.Classes.Count)));

    public Task<AssembledBatch> StartAsync(Batch plan)
    {
        AssembledBatch buffer;
        lock (_free) buffer = _free.Pop();
        return Task.Run(() =>
        {
            int count = plan.Rows.Length;
            buffer.Count = count;
            buffer.Frames = plan.Frames;
            data.FillBatch(plan.Rows, plan.Frames, plan.Offsets, buffer.SampleBuffer, buffer.TargetBuffer);
            for (int i = 0; i < count; i++)
                buffer.WeightBuffer[i] = data.Verified[plan.Rows[i]] ? 1f : (float)_augmentation.UnverifiedWeight;
            BatchAugmenter.Apply(_augmentation, new Random(plan.AugmentSeed), count, plan.Frames, data.Features.MelCount, data.Classes.Count,
                buffer.SampleBuffer, buffer.TargetBuffer, buffer.WeightBuffer);
            buffer.ContentFrames = ContentFrames(buffer.SampleBuffer, count, plan.Frames, data.Features.MelCount);
            return buffer;
        });
    }

    private static int[] ContentFrames(float[] samples, int count, int frames, int bands)
    {
        var content = new int[count];
        for (int i = 0; i < count; i++)
        {
            // A negative zero counts as content: that only makes the crop longer, never wrong.
            int last = samples.AsSpan(i * frames * bands, frames * bands).LastIndexOfAnyExcept(0f);
            content[i] = last < 0 ? 0 : last / bands + 1;
        }
        return content;
    }

    public void Release(AssembledBatch batch)
    {
        lock (_free) _free.Push(batch);
    }
}
