using TorchSharp;
using static TorchSharp.torch;

namespace FreesoundTagging.Models;

/// <summary>
/// cnn_1d's global max over time of conv3 for a batch zero-padded to a length, computed from the frames that hold
/// content: each row is cropped to its <see cref="PaddingElision.Plan"/> (or kept whole where its content reaches
/// the end), the rows are convolved in one pass laid end to end (<see cref="RowPacking"/>), and each cropped row's
/// max is maxed with the padded tail's constant activations, so the padding is never convolved. The result is the
/// padded computation's within float rounding, gradients included.
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
        // Content within the last receptive field or so of the end: only the whole padded row is exact. Without
        // gradients (evaluation, predict) a long one is computed in chunks, in bounded memory; else it is packed whole.
        bool chunked = paddedFrames > LongRowChunks.Frames && !is_grad_enabled();
        var plans = content.Select(n => elision.For(n) ?? (chunked ? null : elision.Whole)).ToArray();
        // Every row whole (random data, a batch of full-length clips): the padded computation as it is.
        if (plans.All(p => p == elision.Whole)) return model.Body(ZeroPadded(input, paddedFrames)).amax([2]).MoveToOuterDisposeScope();
        int[] packedRows = Enumerable.Range(0, plans.Length).Where(r => plans[r] is not null).ToArray();
        int[] chunkedRows = Enumerable.Range(0, plans.Length).Where(r => plans[r] is null).ToArray();
        var parts = new List<Tensor>();
        if (packedRows.Length > 0) parts.Add(PackedMax(model, input, elision, packedRows, packedRows.Select(r => plans[r]!).ToArray()));
        if (chunkedRows.Length > 0)
        {
            using var rowIndex = packedRows.Length == 0 ? null : OnDevice(chunkedRows.Select(r => (long)r).ToArray(), input.device);
            using var members = rowIndex is null ? input.alias() : input.index_select(0, rowIndex);
            parts.Add(LongRowChunks.RowsMax(model, members, paddedFrames, LongRowChunks.Frames));
        }
        if (parts.Count == 1) return parts[0].MoveToOuterDisposeScope();
        using var sorted = cat(parts, 0);
        // Rows back in the batch's order: the head (and its dropout masks) sees the batch as the padded one does.
        return InBatchOrder(sorted, packedRows.Concat(chunkedRows), input.device).MoveToOuterDisposeScope();
    }

    /// <summary>The rows of <paramref name="stacked"/>, which are the batch's rows <paramref name="rowsInOrder"/> in that
    /// order, put back in the batch's order (row-major, as dropout wants: it draws its mask in memory order).</summary>
    private static Tensor InBatchOrder(Tensor stacked, IEnumerable<int> rowsInOrder, Device device)
    {
        var inverse = new long[stacked.shape[0]];
        int position = 0;
        foreach (int r in rowsInOrder) inverse[r] = position++;
        using var order = OnDevice(inverse, device);
        return stacked.index_select(0, order);
    }

    /// <summary>(rows.Length, 200): the padded global max of <paramref name="rows"/> of <paramref name="input"/>,
    /// from one pass of the body over their crops laid end to end (<see cref="RowPacking"/>).</summary>
    private static Tensor PackedMax(Cnn1dModel model, Tensor input, PaddingElision elision, int[] rows, PaddingElision.Plan[] plans)
    {
        var packing = new RowPacking(elision, plans);
        long frames = input.shape[1], bands = input.shape[2];
        // Each row's first min(crop, T) frames to its place; the rest of each sequence stays zero.
        var from = new List<long>();
        var to = new List<long>();
        for (int i = 0; i < rows.Length; i++)
        {
            long copied = Math.Min(plans[i].CropFrames, frames);
            long first = packing.Sequence[i] * packing.Length + packing.Offsets[i];
            for (long t = 0; t < copied; t++)
            {
                from.Add(rows[i] * frames + t);
                to.Add(first + t);
            }
        }
        using var flat = input.reshape(-1, bands);
        using var fromIndex = OnDevice(from.ToArray(), input.device);
        using var toIndex = OnDevice(to.ToArray(), input.device);
        using var picked = flat.index_select(0, fromIndex);
        using var empty = zeros([packing.Sequences * packing.Length, bands], input.dtype, input.device);
        using var sequences = empty.index_copy(0, toIndex, picked);
        using var batch = sequences.view(packing.Sequences, packing.Length, bands);
        using var masks = new LayerMasks(packing, input.dtype, input.device);
        using var c3 = model.Body(batch, null, masks);
        // (sequences × Conv3Length, 200), a view of the channels-last maps, and a zero row after it, where a row
        // shorter than its group's longest gathers its padding.
        using var bySequence = c3.permute(0, 2, 1);
        using var conv3 = bySequence.reshape(-1, c3.shape[1]);
        using var zero = zeros([1, conv3.shape[1]], conv3.dtype, conv3.device);
        using var positions = cat([conv3, zero], 0);
        var groups = packing.KeptGroups();
        var maxima = new List<Tensor>();
        foreach (var (members, index) in groups)
        {
            using var onDevice = OnDevice(index, input.device);
            using var gathered = positions.index_select(0, onDevice);
            using var perRow = gathered.view(members.Length, -1, conv3.shape[1]);
            maxima.Add(perRow.amax([1]));
        }
        using var grouped = cat(maxima, 0);
        foreach (var m in maxima) m.Dispose();
        using var kept = InBatchOrder(grouped, groups.SelectMany(g => g.Rows), input.device);
        // Each cropped row's max with the padded tail's; a whole row has no tail (a zero changes no ReLU max).
        using var tail = ZeroTail(model, elision, input);
        using var none = zeros_like(tail);
        using var tails = cat([tail, none], 0);
        using var which = OnDevice(plans.Select(p => p == elision.Whole ? 1L : 0L).ToArray(), input.device);
        using var rowTails = tails.index_select(0, which);
        return maximum(kept, rowTails);
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
