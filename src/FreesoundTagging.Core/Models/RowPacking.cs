using static TorchSharp.torch;

namespace FreesoundTagging.Models;

/// <summary>
/// The cropped rows of a padded batch laid end to end in a few sequences of about equal length, so that cnn_1d's
/// body convolves all of them in one pass instead of one pass per group of similar lengths: per frame, small
/// convolutions cost libtorch more than a padded batch's (call overhead, thin shapes), and grouping also pads each
/// row to its group's longest. Each row keeps its crop (<see cref="PaddingElision.For"/>) and starts on a multiple
/// of 4, and each sequence keeps the padded length's phase, so every pooling window of a row lies where the padded
/// row's does. Where a row starts, the values just before it are its left neighbour's, not the padding the padded
/// row sees there; they are set to zero at each layer that reads across the start (<see cref="Zeroed"/>): zero is
/// conv padding, and after a ReLU it loses every max as the −inf pooling pad does. No kept position of the left
/// neighbour reads those (each crop ends past its kept positions' receptive fields; docs/performance.md).
/// </summary>
internal sealed class RowPacking
{
    /// <summary>Most sequences a batch is packed into: with 2 threads, 4 sequences of 10,000 frames train 1.18x
    /// faster than one of 40,000 (oneDNN splits its work over the batch), and more gain nothing.</summary>
    public const int MaxSequences = 4;

    /// <param name="plans">Each packed row's crop, or <see cref="PaddingElision.Whole"/> for a row computed whole.</param>
    public RowPacking(PaddingElision elision, IReadOnlyList<PaddingElision.Plan> plans)
    {
        Plans = plans;
        var whole = Enumerable.Range(0, plans.Count).Where(r => plans[r] == elision.Whole).ToArray();
        // A whole row ends its sequence, so that the sequence's right end is its own: one per sequence.
        Sequences = Math.Max(Math.Clamp(plans.Count, 1, MaxSequences), whole.Length);
        Sequence = new int[plans.Count];
        Offsets = new long[plans.Count];
        var ends = new long[Sequences];
        var reserved = new long[Sequences];
        for (int i = 0; i < whole.Length; i++)
        {
            Sequence[whole[i]] = i;
            reserved[i] = elision.PaddedFrames;
        }
        // The crops, longest first, each to the sequence with the least in it so far.
        foreach (int r in Enumerable.Range(0, plans.Count).Except(whole).OrderByDescending(r => plans[r].CropFrames).ThenBy(r => r))
        {
            int s = Enumerable.Range(0, Sequences).MinBy(s => ends[s] + reserved[s]);
            Sequence[r] = s;
            Offsets[r] = ends[s];
            long end = ends[s] + plans[r].CropFrames;
            ends[s] = end + (Cnn1dGeometry.Phase - end % Cnn1dGeometry.Phase) % Cnn1dGeometry.Phase;
        }
        Length = new Cnn1dGeometry(elision.PaddedFrames).InPhase(Math.Max(1, Enumerable.Range(0, Sequences).Max(s => ends[s] + reserved[s])));
        // Length ≡ PaddedFrames (mod 4), so a whole row's start is a multiple of 4 too.
        foreach (int r in whole) Offsets[r] = Length - elision.PaddedFrames;
        var geometry = new Cnn1dGeometry(Length);
        Pool1Length = geometry.Pool1Length;
        Conv3Length = geometry.Conv3Length;
        // The padding a row's left end sees at each layer: conv1's is zero input (the neighbour's crop ends in zeros);
        // the pools' left pads and conv2's and conv3's zero padding are not there, so those positions are zeroed.
        long pool1Pad = KerasSamePooling.LeftPad(Length, 3, 2), pool2Pad = KerasSamePooling.LeftPad(Pool1Length, 3, 2);
        int[] k = Cnn1dModel.KernelSizes;
        Zeroed = new PackedZeros(Before(1, pool1Pad), Before(2, k[1] / 2), Before(2, pool2Pad), Before(4, k[2] / 2));
    }

    public IReadOnlyList<PaddingElision.Plan> Plans { get; }

    /// <summary>Sequences the rows are packed into (the batch of the packed body).</summary>
    public int Sequences { get; }

    /// <summary>Per packed row, the sequence it lies in.</summary>
    public int[] Sequence { get; }

    /// <summary>Per packed row, its first frame in its sequence (a multiple of 4).</summary>
    public long[] Offsets { get; }

    /// <summary>Frames of each sequence (≡ the padded length mod 4).</summary>
    public long Length { get; }

    public long Pool1Length { get; }

    public long Conv3Length { get; }

    /// <summary>Positions (sequence × layer length + position) set to zero before each row's start.</summary>
    public PackedZeros Zeroed { get; }

    /// <summary>Extra cost of one more group in <see cref="KeptGroups"/>, in gathered positions: a gather and a max,
    /// forward and backward.</summary>
    public const long GroupCostPositions = 256;

    /// <summary>
    /// The packed rows' kept conv3 positions in groups of similar count, for a max per row: each group is
    /// (rows, index) with index (rows × the group's largest count) the flat conv3 positions (sequence ×
    /// <see cref="Conv3Length"/> + position) of each row in turn, a row with fewer padded by Sequences ×
    /// Conv3Length (the caller puts a zero there: all positions are ReLU outputs, ≥ 0, so it changes no max).
    /// Grouped by dynamic programming over the rows sorted by count, cheapest in gathered positions plus
    /// <see cref="GroupCostPositions"/> per group: one group would gather every row at the longest row's count.
    /// </summary>
    public IReadOnlyList<(int[] Rows, long[] Index)> KeptGroups()
    {
        int count = Plans.Count;
        int[] order = Enumerable.Range(0, count).OrderBy(r => Plans[r].TailStart).ToArray();
        var best = new long[count + 1];
        var cut = new int[count + 1];
        for (int end = 1; end <= count; end++)
        {
            long width = Plans[order[end - 1]].TailStart;
            best[end] = long.MaxValue;
            for (int start = 0; start < end; start++)
            {
                long cost = best[start] + (end - start) * width + GroupCostPositions;
                if (cost < best[end]) (best[end], cut[end]) = (cost, start);
            }
        }
        var groups = new List<(int[], long[])>();
        for (int end = count; end > 0; end = cut[end])
        {
            int[] rows = order[cut[end]..end];
            long width = rows.Max(r => Plans[r].TailStart);
            var index = new long[rows.Length * width];
            Array.Fill(index, Sequences * Conv3Length);
            for (int i = 0; i < rows.Length; i++)
            {
                long first = Sequence[rows[i]] * Conv3Length + Offsets[rows[i]] / Cnn1dGeometry.Phase;
                for (long q = 0; q < Plans[rows[i]].TailStart; q++) index[i * width + q] = first + q;
            }
            groups.Add((rows, index));
        }
        groups.Reverse();
        return groups;
    }

    /// <summary>For each row not at its sequence's start, the <paramref name="count"/> positions before it at a layer
    /// whose positions are frames / <paramref name="stride"/>, as sequence × layer length + position.</summary>
    private long[] Before(long stride, long count)
    {
        long layerLength = stride == 1 ? Length : stride == 2 ? Pool1Length : Conv3Length;
        var positions = new List<long>();
        for (int r = 0; r < Offsets.Length; r++)
            for (long p = Offsets[r] / stride - count; p < Offsets[r] / stride; p++)
                if (p >= 0) positions.Add(Sequence[r] * layerLength + p);
        return positions.ToArray();
    }
}

/// <summary>Positions of each layer of a packed batch that are set to zero (<see cref="RowPacking.Zeroed"/>).</summary>
internal sealed record PackedZeros(long[] Conv1, long[] Pool1, long[] Conv2, long[] Pool2);

/// <summary>The <see cref="PackedZeros"/> as masks (sequences, 1, L) of ones with zeros there, in the batch's
/// type and on its device, for <see cref="Cnn1dModel.Body"/>: a multiplication costs next to nothing where
/// masked_fill with a broadcast mask took about 12 % of a step.</summary>
internal sealed class LayerMasks : IDisposable
{
    public LayerMasks(RowPacking packing, ScalarType dtype, Device device)
    {
        Conv1 = Mask(packing.Zeroed.Conv1, packing.Sequences, packing.Length, dtype, device);
        Pool1 = Mask(packing.Zeroed.Pool1, packing.Sequences, packing.Pool1Length, dtype, device);
        Conv2 = Mask(packing.Zeroed.Conv2, packing.Sequences, packing.Pool1Length, dtype, device);
        Pool2 = Mask(packing.Zeroed.Pool2, packing.Sequences, packing.Conv3Length, dtype, device);
    }

    public Tensor? Conv1 { get; }

    public Tensor? Pool1 { get; }

    public Tensor? Conv2 { get; }

    public Tensor? Pool2 { get; }

    /// <summary>Null where nothing is zeroed (each sequence one row), so the body runs as for a plain crop.</summary>
    private static Tensor? Mask(long[] positions, int sequences, long length, ScalarType dtype, Device device)
    {
        if (positions.Length == 0) return null;
        var values = new float[sequences * length];
        Array.Fill(values, 1f);
        foreach (long p in positions) values[p] = 0f;
        using var onHost = tensor(values).reshape(sequences, 1, length);
        return onHost.to(dtype, device, non_blocking: true);
    }

    public void Dispose()
    {
        Conv1?.Dispose();
        Pool1?.Dispose();
        Conv2?.Dispose();
        Pool2?.Dispose();
    }
}
