using FreesoundTagging.Datasets;
using FreesoundTagging.Runtime;
using FreesoundTagging.Torch;
using static TorchSharp.torch;

namespace FreesoundTagging.Training;

/// <summary>A batch copied out of the memory-mapped arrays into reusable buffers.</summary>
public sealed class AssembledBatch(float[] samples, float[] targets, float[] weights, int melCount, int classes, float[]? teacherTargets = null)
{
    internal float[] SampleBuffer { get; } = samples;

    internal float[] TargetBuffer { get; } = targets;

    internal float[] WeightBuffer { get; } = weights;

    /// <summary>With a teacher: its softened probabilities per row, blended by mixup as the targets are.</summary>
    internal float[]? TeacherBuffer { get; } = teacherTargets;

    public int Count { get; internal set; }

    /// <summary>Frames of each row as the batch stands for it (padded to its longest clip, the crop or MaxFrames).</summary>
    public int Frames { get; internal set; }

    /// <summary>Frames of each row held in <see cref="SampleBuffer"/>: <see cref="Frames"/>, or fewer when the
    /// assembler trimmed the batch's all-zero tail (the rows are then packed at this length).</summary>
    public int StoredFrames { get; internal set; }

    /// <summary>Per row, 1 + its last frame holding a non-zero value (after augmentation): the padding past it is
    /// exactly zero, which is what lets the 1-D networks skip it (<see cref="Models.TaggingModel.ForwardPadded"/>).</summary>
    public int[] ContentFrames { get; internal set; } = [];

    /// <summary>(Count, StoredFrames, MelCount) on <paramref name="device"/>: on the CPU a view of the buffer (no
    /// copy; valid until the batch is released), on a GPU one pinned copy and a non-blocking transfer.</summary>
    public Tensor Samples(Device device) => HostTransfer.ToDevice(SampleBuffer, [Count, StoredFrames, melCount], device);

    /// <summary>(Count, C) targets on <paramref name="device"/>: one-hot, or blended by mixup.</summary>
    public Tensor Targets(Device device) => HostTransfer.ToDevice(TargetBuffer, [Count, classes], device);

    /// <summary>(Count, C) teacher targets on <paramref name="device"/> (<see cref="TeacherTargets"/>); null without a teacher.</summary>
    public Tensor? TeacherTargets(Device device) => TeacherBuffer is null ? null : HostTransfer.ToDevice(TeacherBuffer, [Count, classes], device);

    /// <summary>(Count) loss weights on <paramref name="device"/> (1 unless unverified labels are down-weighted).</summary>
    public Tensor Weights(Device device) => HostTransfer.ToDevice(WeightBuffer, [Count], device);
}

/// <summary>
/// Fills batches on a worker thread from two recycled buffers, so reading the next batch from disk (and
/// augmenting it) overlaps the current training step without allocating 50 MB per step.
/// </summary>
/// <param name="trimPadding">Pack each batch's rows at the length of its longest content (<see cref="AssembledBatch.StoredFrames"/>),
/// for networks that are fed only the frames holding content (<see cref="BatchForward"/>): the trimming runs here, off
/// the training thread, and the rows reach the device in one contiguous piece.</param>
/// <param name="teacher">Distillation targets of every row (<see cref="TeacherTargets"/>), carried beside the labels; null: none.</param>
public sealed class BatchAssembler(TrainingSet data, int batchSize, int maxFrames, Augmentation? augmentation = null, bool trimPadding = false, TeacherTargets? teacher = null)
{
    private readonly Augmentation _augmentation = augmentation ?? Augmentation.None;

    private readonly RecordingDegrader? _degrader = augmentation?.Degradations is { Enabled: true } degradations ? new RecordingDegrader(data.Features, degradations) : null;

    private readonly Stack<AssembledBatch> _free = new(
        Enumerable.Range(0, 2).Select(_ => new AssembledBatch(
            new float[batchSize * maxFrames * data.Features.MelCount], new float[batchSize * data.Classes.Count], new float[batchSize],
            data.Features.MelCount, data.Classes.Count, teacher is null ? null : new float[batchSize * data.Classes.Count])));

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
            teacher?.Fill(plan.Rows, buffer.TeacherBuffer);
            for (int i = 0; i < count; i++)
                buffer.WeightBuffer[i] = data.Verified[plan.Rows[i]] ? 1f : (float)_augmentation.UnverifiedWeight;
            BatchAugmenter.Apply(_augmentation, new Random(plan.AugmentSeed), count, plan.Frames, data.Features.MelCount, data.Classes.Count,
                buffer.SampleBuffer, buffer.TargetBuffer, buffer.WeightBuffer, _degrader, buffer.TeacherBuffer);
            buffer.ContentFrames = ContentFrames(buffer.SampleBuffer, count, plan.Frames, data.Features.MelCount);
            buffer.StoredFrames = trimPadding ? Trim(buffer.SampleBuffer, count, plan.Frames, data.Features.MelCount, buffer.ContentFrames) : plan.Frames;
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

    /// <summary>Moves each row's first <c>longest</c> frames (the longest content, at least 1) to the front of the
    /// buffer, rows back to back; returns that length. Rows only move towards the start, so the copy is in place.</summary>
    private static int Trim(float[] samples, int count, int frames, int bands, int[] content)
    {
        int longest = Math.Clamp(content.Length == 0 ? 1 : content.Max(), 1, frames);
        if (longest == frames) return frames;
        int kept = longest * bands, row = frames * bands;
        for (int i = 1; i < count; i++) samples.AsSpan(i * row, kept).CopyTo(samples.AsSpan(i * kept, kept));
        return longest;
    }

    public void Release(AssembledBatch batch)
    {
        lock (_free) _free.Push(batch);
    }
}
