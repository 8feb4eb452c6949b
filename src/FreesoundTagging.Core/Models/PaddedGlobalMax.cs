using TorchSharp;
using static TorchSharp.torch;

namespace FreesoundTagging.Models;

/// <summary>
/// cnn_1d's global max over time of conv3 for a batch zero-padded to a length, computed from the frames that hold
/// content: rows are grouped by length into sub-batches (<see cref="PaddingElision.SubBatches"/>), each cropped to
/// its <see cref="PaddingElision.Plan"/> and maxed with the padded tail's constant activations, so the padding is
/// never convolved. The result is the padded computation's within float rounding, gradients included.
/// </summary>
internal static class PaddedGlobalMax
{
    /// <summary>
    /// (N, T, F) taken as zero-padded to <paramref name="paddedFrames"/> ≥ T → (N, 200), as the global max of the
    /// padded batch. T only has to cover every row's non-zero frames.
    /// </summary>
    /// <param name="contentFrames">Per row, a bound on its non-zero frames (e.g. 1 + its last non-zero frame); null:
    /// read from <paramref name="input"/>.</param>
    public static Tensor Of(Cnn1dModel model, Tensor input, long paddedFrames, IReadOnlyList<int>? contentFrames)
    {
        model.CheckInput(input);
        long frames = input.shape[1];
        if (paddedFrames < frames) throw new ArgumentOutOfRangeException(nameof(paddedFrames), paddedFrames, $"is shorter than the input's {frames} frames");
        if (contentFrames is not null && contentFrames.Count != input.shape[0]) throw new ArgumentException("one content length per row is needed", nameof(contentFrames));
        using var scope = NewDisposeScope();
        if (!model.ElidePadding) return model.Body(ZeroPadded(input, paddedFrames)).amax([2]).MoveToOuterDisposeScope();

        var elision = new PaddingElision(paddedFrames);
        var content = contentFrames ?? ContentFrames(input);
        var groups = elision.SubBatches(content);
        Tensor? tail = null;
        var parts = new List<Tensor>();
        foreach (int[] rows in groups)
        {
            using var rowIndex = groups.Count == 1 ? null : OnDevice(rows.Select(r => (long)r).ToArray(), input.device);
            using var members = rowIndex is null ? input.alias() : input.index_select(0, rowIndex);
            var plan = elision.For(rows.Max(r => content[r]));
            if (plan is null)
            {
                // Without gradients (evaluation, predict) a long row is computed in chunks, in bounded memory.
                parts.Add(paddedFrames > LongRowChunks.Frames && !is_grad_enabled()
                    ? LongRowChunks.RowsMax(model, members, paddedFrames, LongRowChunks.Frames)
                    : model.Body(ZeroPadded(members, paddedFrames)).amax([2]));
                continue;
            }
            // Conv3 positions below TailStart are the padded ones; the rest of the padded row is the zero tail.
            tail ??= ZeroTail(model, elision, input);
            using var crop = members.shape[1] >= plan.CropFrames ? members.narrow(1, 0, plan.CropFrames) : ZeroPadded(members, plan.CropFrames);
            using var c3 = model.Body(crop);
            using var head3 = c3.narrow(2, 0, plan.TailStart);
            using var cropMax = head3.amax([2]);
            parts.Add(maximum(cropMax, tail));
        }
        if (groups.Count == 1) return parts[0].MoveToOuterDisposeScope();
        using var sorted = cat(parts, 0);
        // Rows back in the batch's order: the head (and its dropout masks) sees the batch as the padded one does.
        var inverse = new long[content.Count];
        int position = 0;
        foreach (int[] rows in groups)
            foreach (int r in rows) inverse[r] = position++;
        using var order = OnDevice(inverse, input.device);
        return sorted.index_select(0, order).MoveToOuterDisposeScope();
    }

    /// <summary>Per row, 1 + its last frame holding a non-zero value (0 for an all-zero row). Read from a CPU tensor;
    /// a tensor elsewhere counts as all content (reading it would wait for the device: callers that know the
    /// lengths, as training and predict do, pass them).</summary>
    internal static int[] ContentFrames(Tensor input)
    {
        if (input.device_type != DeviceType.CPU) return Enumerable.Repeat((int)input.shape[1], (int)input.shape[0]).ToArray();
        using var counts = input.count_nonzero([2]);
        long rows = input.shape[0], frames = input.shape[1];
        var flat = counts.data<long>().ToArray();
        var content = new int[rows];
        for (long i = 0; i < rows; i++)
        {
            long t = frames;
            while (t > 0 && flat[i * frames + t - 1] == 0) t--;
            content[i] = (int)t;
        }
        return content;
    }

    /// <summary>An index made on the host, on <paramref name="device"/> without the host waiting for the device
    /// (a transfer that is not non-blocking waits for every queued kernel).</summary>
    internal static Tensor OnDevice(long[] index, Device device)
    {
        var onHost = tensor(index);
        return device.type == DeviceType.CPU ? onHost : onHost.to(device, disposeAfter: true, non_blocking: true);
    }

    internal static Tensor ZeroPadded(Tensor input, long frames) =>
        input.shape[1] == frames ? input.alias() : nn.functional.pad(input, [0, 0, 0, frames - input.shape[1]]);

    /// <summary>(1, 200): the max over the padded tail, from a short all-zero sequence in the padded length's phase.</summary>
    private static Tensor ZeroTail(Cnn1dModel model, PaddingElision elision, Tensor like)
    {
        using var zeros = torch.zeros([1, elision.ZeroFrames, model.InputChannels], like.dtype, like.device);
        using var c3 = model.Body(zeros);
        using var tail = c3.narrow(2, elision.ZeroTailStart, c3.shape[2] - elision.ZeroTailStart);
        return tail.amax([2]);
    }
}
