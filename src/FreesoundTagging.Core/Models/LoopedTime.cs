using FreesoundTagging.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace FreesoundTagging.Models;

/// <summary>
/// A batch of time-frequency maps held by the columns (frames) that differ: for windows looped from clips shorter
/// than them, one period and the two ends, so a network computes a fraction of its convolutions.
/// </summary>
/// <remarks>
/// A clip shorter than the scoring window is looped to fill it (<see cref="Features.ClipCrop"/>): frame t of the
/// window is frame t mod P of a clip of P frames. A 3-wide convolution with zero padding keeps that: its output
/// repeats with period P everywhere except within one more frame of either end (the margin), where the padding
/// reaches; ReLU keeps it; a 2-wide stride-2 pooling halves the period when it is even and keeps it when it is odd,
/// and spreads the margin. So each row of a map of T frames is known by its first <c>margin + P</c> frames (the
/// prefix) and its last <c>margin</c> ones (the suffix): frame t of the middle is frame margin + (t − margin) mod P.
/// A row is packed as [prefix | suffix] after each pooling (and at the input), with room for the convolutions before
/// the next pooling: they run on the packed row as it stands, the window's own padding at both of its ends, and
/// each turns the column either side of the junction wrong, so the row becomes [prefix | gap | suffix] with a gap
/// that nothing reads. Rows that do not repeat are held whole. Every row of a batch is packed to one width by taking
/// more of its prefix (those are real frames too). The values are those of the plain pass's operations on the same
/// inputs, so the logits equal the plain pass's to float rounding (the mean over time is a weighted sum of the
/// distinct columns).
/// </remarks>
public sealed class LoopedTime
{
    // Per row: the period (0: the row is held whole), the margin, and the packed layout's prefix and suffix lengths.
    private readonly int[] _periods;
    private readonly int[] _margins;
    private readonly int[] _prefix;
    private readonly int[] _suffix;

    private LoopedTime(int frames, int width, int gap, int[] periods, int[] margins, int[] prefix, int[] suffix)
    {
        Frames = frames;
        Width = width;
        Gap = gap;
        _periods = periods;
        _margins = margins;
        _prefix = prefix;
        _suffix = suffix;
    }

    /// <summary>Frames per row of the map this describes.</summary>
    public int Frames { get; }

    /// <summary>Columns each packed row has (<see cref="Frames"/> when held whole).</summary>
    public int Width { get; }

    /// <summary>Unread columns between each row's prefix and suffix.</summary>
    private int Gap { get; }

    private int Rows => _periods.Length;

    /// <summary>Share of the frames at or above which packing is not worth its copies: the rows are held whole.</summary>
    internal const double PackedShareLimit = 0.75;

    /// <summary>Windows of <paramref name="frames"/> frames held whole, row i looped from a clip of
    /// <paramref name="periods"/>[i] frames (0, or at least <paramref name="frames"/>: not looped).</summary>
    public static LoopedTime Of(IReadOnlyList<int> periods, int frames)
    {
        int rows = periods.Count;
        return new(frames, frames, 0, [.. periods.Select(p => p > 0 && p < frames ? p : 0)], new int[rows], Enumerable.Repeat(frames, rows).ToArray(), new int[rows]);
    }

    /// <summary>Whether any row repeats within the window.</summary>
    public bool Loops => _periods.Any(p => p > 0);

    /// <summary>
    /// <paramref name="x"/> (N, C, F, <see cref="Frames"/>), held whole, packed to each row's distinct columns with room
    /// for <paramref name="convolutions"/> convolutions before the next pooling (or held whole where packing does not pay).
    /// </summary>
    public (Tensor Output, LoopedTime After) Pack(Tensor x, int convolutions)
    {
        if (Width != Frames) throw new InvalidOperationException("the map is already packed");
        var (periods, prefix, suffix, width) = Layout(Frames, _periods, _margins, convolutions);
        var after = new LoopedTime(Frames, width, 0, periods, [.. _margins], prefix, suffix);
        return width == Frames ? (x, after) : (Take(x, Columns(after.Kept)), after);
    }

    /// <summary>
    /// <paramref name="convolve"/> (a 3-wide convolution along time with padding 1, and pointwise steps after it) of
    /// the packed map <paramref name="x"/> (N, C, F, <see cref="Width"/>), run on the packed columns as they stand:
    /// the window's own padding lies at both ends of a packed row, so only the two columns either side of the gap
    /// become wrong, and the gap widens by them. Returns the output and its layout.
    /// </summary>
    public (Tensor Output, LoopedTime After) Convolve(Tensor x, Func<Tensor, Tensor> convolve)
    {
        var margins = _margins.Select(m => m + 1).ToArray();
        if (Width == Frames) return (convolve(x), new LoopedTime(Frames, Width, 0, _periods, margins, _prefix, _suffix));
        var prefix = _prefix.Select(a => a - 1).ToArray();
        var suffix = _suffix.Select(b => b - 1).ToArray();
        for (int i = 0; i < Rows; i++)
            if (prefix[i] < margins[i] + _periods[i] || suffix[i] < margins[i])
                throw new InvalidOperationException($"row {i} was packed without room for this convolution");
        return (convolve(x), new LoopedTime(Frames, Width, Gap + 2, _periods, margins, prefix, suffix));
    }

    /// <summary>
    /// A 2×2, stride-2 max pooling (ceil mode) of the map <paramref name="x"/>: each kept output frame from the two
    /// input frames it pools (the last one alone at an odd length, paired with itself), packed with room for
    /// <paramref name="convolutions"/> convolutions before the next pooling.
    /// </summary>
    public (Tensor Output, LoopedTime After) MaxPool(Tensor x, int convolutions)
    {
        int frames = (Frames + 1) / 2;
        var margins = _margins.Select(m => (m + 1) / 2 + 1).ToArray();
        var halved = _periods.Select(p => p % 2 == 0 ? p / 2 : p).ToArray();
        var (periods, prefix, suffix, width) = Layout(frames, halved, margins, convolutions);
        var after = new LoopedTime(frames, width, 0, periods, margins, prefix, suffix);
        // Whole in, whole out: the plain pooling.
        if (Width == Frames && width == frames) return (nn.functional.max_pool2d(x, [2, 2], [2, 2], ceil_mode: true), after);
        var pairs = Take(x, Columns(i => after.Kept(i).SelectMany(u => new[] { 2 * u, Math.Min(2 * u + 1, Frames - 1) })));
        return (nn.functional.max_pool2d(pairs, [2, 2], [2, 2], ceil_mode: true), after);
    }

    /// <summary>The max and the mean over time of the packed (N, C, <see cref="Width"/>) map: the max over the kept
    /// columns, the mean weighting each column by the frames it stands for.</summary>
    public (Tensor Max, Tensor Mean) MaxAndMeanOverTime(Tensor x)
    {
        using var scope = NewDisposeScope();
        var weights = new float[Rows * Width];
        var outside = new float[Rows * Width];
        Array.Fill(outside, float.NegativeInfinity);
        for (int i = 0; i < Rows; i++)
            for (int t = 0; t < Frames; t++)
            {
                int j = i * Width + Column(i, t);
                weights[j]++;
                outside[j] = 0;
            }
        var w = tensor(weights, [Rows, 1, Width], device: x.device);
        var mask = tensor(outside, [Rows, 1, Width], device: x.device);
        using var frames = ((double)Frames).ToScalar();
        var max = x.add(mask, OwnedScalars.One).amax([2]);
        var mean = x.mul(w).sum([2]).div_(frames);
        return (max.MoveToOuterDisposeScope(), mean.MoveToOuterDisposeScope());
    }

    /// <summary>Per row, the period kept (0 where packing does not pay) and the prefix and suffix lengths, with room for
    /// <paramref name="convolutions"/> convolutions (each costs a row a frame at either side of the gap and widens its
    /// margin by one), every row as wide as the widest; all rows whole when that is not much narrower than the frames.</summary>
    private static (int[] Periods, int[] Prefix, int[] Suffix, int Width) Layout(int frames, int[] periods, int[] margins, int convolutions)
    {
        int rows = periods.Length, room = 2 * convolutions;
        var kept = new int[rows];
        for (int i = 0; i < rows; i++)
            kept[i] = periods[i] > 0 && 2 * (margins[i] + room) + periods[i] < frames ? periods[i] : 0;
        int width = Enumerable.Range(0, rows).Max(i => kept[i] > 0 ? 2 * (margins[i] + room) + kept[i] : frames);
        if (width >= PackedShareLimit * frames)
            return (new int[rows], Enumerable.Repeat(frames, rows).ToArray(), new int[rows], frames);
        var suffix = margins.Select(m => m + room).ToArray();
        return (kept, [.. Enumerable.Range(0, rows).Select(i => width - suffix[i])], suffix, width);
    }

    private bool Whole(int row) => _periods[row] == 0;

    /// <summary>The frames a row keeps, in packed order (prefix, then suffix; every frame for a whole row).</summary>
    private IEnumerable<int> Kept(int row) => Whole(row) ? Enumerable.Range(0, Frames)
        : Enumerable.Range(0, _prefix[row]).Concat(Enumerable.Range(Frames - _suffix[row], _suffix[row]));

    /// <summary>Where frame <paramref name="t"/> of row <paramref name="row"/> is held in its packed row.</summary>
    private int Column(int row, int t)
    {
        if (Whole(row)) return t;
        int margin = _margins[row], period = _periods[row];
        if (t < _prefix[row]) return t;
        if (t >= Frames - _suffix[row]) return _prefix[row] + Gap + t - (Frames - _suffix[row]);
        return margin + (t - margin) % period;
    }

    /// <summary>Packed columns of this layout's rows for the frames each row of the next map needs (the same count per row).</summary>
    private long[][] Columns(Func<int, IEnumerable<int>> frames) => [.. Enumerable.Range(0, Rows).Select(i => frames(i).Select(t => (long)Column(i, t)).ToArray())];

    /// <summary>(N, C, F, K) of packed columns <paramref name="columns"/>[i] of each row i of (N, C, F, W), in the input's
    /// layout: one indexed copy of the channels-last view, C values at a time.</summary>
    private Tensor Take(Tensor x, long[][] columns)
    {
        using var scope = NewDisposeScope();
        int rows = (int)x.shape[0], bands = (int)x.shape[2], width = (int)x.shape[3], count = columns[0].Length;
        var flat = new long[(long)rows * bands * count];
        for (int i = 0; i < rows; i++)
            for (int f = 0; f < bands; f++)
            {
                long from = ((long)i * bands + f) * width, to = ((long)i * bands + f) * count;
                for (int k = 0; k < count; k++) flat[to + k] = from + columns[i][k];
            }
        // (N, F, W, C): contiguous for a channels-last map and for a one-channel one.
        var last = x.permute(0, 2, 3, 1).contiguous();
        long channels = last.shape[3];
        var taken = last.view(-1, channels).index_select(0, tensor(flat, device: x.device)).view(rows, bands, count, channels);
        return taken.permute(0, 3, 1, 2).MoveToOuterDisposeScope();
    }
}
