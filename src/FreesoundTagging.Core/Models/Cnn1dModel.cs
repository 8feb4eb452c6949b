using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FreesoundTagging.Models;

/// <summary>
/// The 1-D CNN of the original Keras code: log-mel frames are 64 channels over time, three 'same' convolutions
/// with ReLU (the first two followed by 'same' max pooling of 3, stride 2), a global max over time, and a head
/// that depends on the <see cref="ModelVariant"/>. Input (N, T, F) with F = input channels (Keras channels-last),
/// any T ≥ 1; output logits (N, C). Apply softmax for probabilities (<see cref="ModelPrediction"/>).
/// </summary>
/// <remarks>
/// Field names are the state-dict keys written into model files (conv1.weight, head.0.bias …): renaming one
/// breaks every saved model.
/// </remarks>
public sealed class Cnn1dModel : TaggingModel
{
    /// <summary>Filters of conv1, conv2, conv3; the last is the width of the global max pool.</summary>
    public static readonly int[] Filters = [100, 150, 200];

    /// <summary>Kernel sizes of conv1, conv2, conv3 (odd, so 'same' padding is symmetric).</summary>
    public static readonly int[] KernelSizes = [7, 5, 3];

    /// <summary>Units of the hidden layer of cnn_1d_dense_dropout.</summary>
    public const int HiddenUnits = 100;

    public const double DropoutRate = 0.2;

    /// <summary>Rows longer than this are computed in chunks of about this many frames when no gradient is needed:
    /// a 10-minute clip (60,000 frames) would otherwise hold ~0.5 GB of activations at once.</summary>
    public const int LongRowFrames = 4096;

    private const int PoolSize = 3;
    private const int PoolStride = 2;

    private readonly Conv1d conv1;
    private readonly Conv1d conv2;
    private readonly Conv1d conv3;
    private readonly Sequential head;

    private Cnn1dModel(ModelVariant variant, int inputChannels, int classCount)
        : base(variant, inputChannels, classCount)
    {
        conv1 = SameConv(inputChannels, Filters[0], KernelSizes[0]);
        conv2 = SameConv(Filters[0], Filters[1], KernelSizes[1]);
        conv3 = SameConv(Filters[1], Filters[2], KernelSizes[2]);
        head = BuildHead(variant, Filters[2], classCount);
        KerasInit();
        RegisterComponents();
    }

    /// <summary>cnn_1d: global max pool → Linear(200, C).</summary>
    public static Cnn1dModel Plain(int inputChannels, int classCount) => new(ModelVariant.Cnn1d, inputChannels, classCount);

    /// <summary>cnn_1d_dropout: global max pool → Dropout(0.2) → Linear(200, C).</summary>
    public static Cnn1dModel WithDropout(int inputChannels, int classCount) => new(ModelVariant.Cnn1dDropout, inputChannels, classCount);

    /// <summary>cnn_1d_dense_dropout: global max pool → Dropout → Linear(200, 100) → ReLU → Dropout → Linear(100, C).</summary>
    public static Cnn1dModel WithDenseDropout(int inputChannels, int classCount) => new(ModelVariant.Cnn1dDenseDropout, inputChannels, classCount);

    /// <summary>The model of <paramref name="variant"/>, freshly initialised (Glorot-uniform weights, zero biases).</summary>
    public static Cnn1dModel Create(ModelVariant variant, int inputChannels, int classCount) => new(variant, inputChannels, classCount);

    /// <summary>
    /// Skip the convolution of zero padding (<see cref="PaddingElision"/>): the same logits and gradients as the
    /// plain computation within float rounding. Off only to measure or check it against the plain one; the
    /// environment variable FREESOUND_ELIDE_PADDING=0 switches it off for whole runs (benchmarks).
    /// </summary>
    public bool ElidePadding { get; set; } = Environment.GetEnvironmentVariable("FREESOUND_ELIDE_PADDING") != "0";

    /// <summary>(N, T, F) → logits (N, C).</summary>
    public override Tensor forward(Tensor input) => ForwardPadded(input, input.shape[1]);

    /// <summary>
    /// (N, T, F) taken as zero-padded to <paramref name="paddedFrames"/> ≥ T → logits (N, C), as
    /// <c>forward</c> of the padded batch. T only has to cover every row's non-zero frames.
    /// </summary>
    /// <param name="contentFrames">Per row, a bound on its non-zero frames (e.g. 1 + its last non-zero frame); null:
    /// read from <paramref name="input"/>.</param>
    public Tensor ForwardPadded(Tensor input, long paddedFrames, IReadOnlyList<int>? contentFrames = null)
    {
        using var pooled = GlobalMaxPoolPadded(input, paddedFrames, contentFrames);
        return head.forward(pooled);
    }

    /// <summary>(N, T, F) → the global max over time of conv3, (N, 200): what the head sees.</summary>
    public Tensor GlobalMaxPool(Tensor input) => GlobalMaxPoolPadded(input, input.shape[1], null);

    /// <summary>
    /// Logits of each row of (N, T, F) fed whole (no padding), conv3 computed over overlapping windows of about
    /// <paramref name="chunkFrames"/> frames one row at a time: the same global max in memory bounded by the chunk,
    /// for clips far longer than training ones.
    /// </summary>
    public Tensor ForwardLong(Tensor input, int chunkFrames)
    {
        CheckInput(input);
        using var scope = NewDisposeScope();
        var rows = new List<Tensor>();
        for (long i = 0; i < input.shape[0]; i++)
        {
            using var row = input.narrow(0, i, 1);
            rows.Add(ChunkedMax(row, chunkFrames));
        }
        using var pooled = cat(rows, 0);
        return head.forward(pooled).MoveToOuterDisposeScope();
    }

    /// <summary>Conv3 after ReLU for (N, T, F), (N, 200, ceil(T / 4)): for checks of the geometry.</summary>
    internal Tensor Conv3Of(Tensor input) => Body(input, null);

    /// <summary>The head alone: global-max-pooled features (N, 200) → logits (N, C).</summary>
    internal Tensor Classify(Tensor pooled) => head.forward(pooled);

    /// <summary>Trainable parameters of a model, without building it: 218,491 for cnn_1d with 64 inputs and 41 classes.</summary>
    public static long ParameterCountOf(ModelVariant variant, int inputChannels, int classCount)
    {
        long body = 0;
        long channels = inputChannels;
        for (int i = 0; i < Filters.Length; i++)
        {
            body += channels * Filters[i] * KernelSizes[i] + Filters[i];
            channels = Filters[i];
        }
        long head = variant == ModelVariant.Cnn1dDenseDropout
            ? channels * HiddenUnits + HiddenUnits + HiddenUnits * (long)classCount + classCount
            : channels * classCount + classCount;
        return body + head;
    }

    /// <summary>Shapes (N, C, L) of conv1, pool1, conv2, pool2 and conv3 for <paramref name="input"/>, for checks.</summary>
    internal IReadOnlyDictionary<string, long[]> ActivationShapes(Tensor input)
    {
        var shapes = new Dictionary<string, long[]>();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var _ = Body(input, (name, t) => shapes[name] = t.shape);
        return shapes;
    }

    private Tensor GlobalMaxPoolPadded(Tensor input, long paddedFrames, IReadOnlyList<int>? contentFrames)
    {
        CheckInput(input);
        long frames = input.shape[1];
        if (paddedFrames < frames) throw new ArgumentOutOfRangeException(nameof(paddedFrames), paddedFrames, $"is shorter than the input's {frames} frames");
        if (contentFrames is not null && contentFrames.Count != input.shape[0]) throw new ArgumentException("one content length per row is needed", nameof(contentFrames));
        using var scope = NewDisposeScope();
        if (!ElidePadding) return Body(ZeroPadded(input, paddedFrames), null).amax([2]).MoveToOuterDisposeScope();

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
                parts.Add(paddedFrames > LongRowFrames && !is_grad_enabled() ? ChunkedRows(members, paddedFrames) : Body(ZeroPadded(members, paddedFrames), null).amax([2]));
                continue;
            }
            // Conv3 positions below TailStart are the padded ones; the rest of the padded row is the zero tail.
            tail ??= ZeroTail(elision, input);
            using var crop = members.shape[1] >= plan.CropFrames ? members.narrow(1, 0, plan.CropFrames) : ZeroPadded(members, plan.CropFrames);
            using var c3 = Body(crop, null);
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

    /// <summary>An index made on the host, on <paramref name="device"/> without the host waiting for the device
    /// (a transfer that is not non-blocking waits for every queued kernel).</summary>
    internal static Tensor OnDevice(long[] index, Device device)
    {
        var onHost = tensor(index);
        return device.type == DeviceType.CPU ? onHost : onHost.to(device, disposeAfter: true, non_blocking: true);
    }

    private Tensor ChunkedRows(Tensor members, long paddedFrames)
    {
        var rows = new List<Tensor>();
        for (long i = 0; i < members.shape[0]; i++)
        {
            using var row = members.narrow(0, i, 1);
            using var padded = ZeroPadded(row, paddedFrames);
            rows.Add(ChunkedMax(padded, LongRowFrames));
        }
        return cat(rows, 0);
    }

    /// <summary>(1, 200): the max over the padded tail, from a short all-zero sequence in the padded length's phase.</summary>
    private Tensor ZeroTail(PaddingElision elision, Tensor like)
    {
        using var zeros = torch.zeros([1, elision.ZeroFrames, InputChannels], like.dtype, like.device);
        using var c3 = Body(zeros, null);
        using var tail = c3.narrow(2, elision.ZeroTailStart, c3.shape[2] - elision.ZeroTailStart);
        return tail.amax([2]);
    }

    /// <summary>The global max of one row (1, T, F) fed whole, from windows of conv3 positions whose inputs lie
    /// within a chunk of about <paramref name="chunkFrames"/> frames (or at the row's real ends). Only the result is
    /// left in the caller's dispose scope.</summary>
    internal Tensor ChunkedMax(Tensor row, int chunkFrames)
    {
        var whole = new Cnn1dGeometry(row.shape[1]);
        long perChunk = Math.Max(1, (chunkFrames - (whole.InputHi - whole.InputLo)) / Cnn1dGeometry.Phase);
        Tensor? max = null;
        for (long first = 0; first < whole.Conv3Length; first += perChunk)
        {
            // A scope per chunk: Body's un-named temporaries (each conv's output before its ReLU) would otherwise
            // live until the caller's scope ends, one set per chunk, and memory would grow with the clip after all
            // (a 20-minute clip: +230 MB during scoring).
            using var chunkScope = NewDisposeScope();
            long last = Math.Min(first + perChunk, whole.Conv3Length) - 1;
            // Starts on a multiple of 4 and keeps the row's length mod 4, so the pooling grid is the row's own.
            long start = Math.Max(0, Cnn1dGeometry.Phase * first + whole.InputLo);
            start -= start % Cnn1dGeometry.Phase;
            long end = Math.Min(row.shape[1], whole.InPhase(Cnn1dGeometry.Phase * last + whole.InputHi + 1 - start) + start);
            using var piece = row.narrow(1, start, end - start);
            using var c3 = Body(piece, null);
            long offset = start / Cnn1dGeometry.Phase;
            using var kept = c3.narrow(2, first - offset, last - first + 1);
            var pieceMax = kept.amax([2]);
            var next = (max is null ? pieceMax : maximum(max, pieceMax)).MoveToOuterDisposeScope();
            max?.Dispose();
            max = next;
        }
        return max!;
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

    private static Tensor ZeroPadded(Tensor input, long frames) =>
        input.shape[1] == frames ? input.alias() : functional.pad(input, [0, 0, 0, frames - input.shape[1]]);

    private void CheckInput(Tensor input)
    {
        if (input.dim() != 3 || input.shape[2] != InputChannels || input.shape[1] < 1)
            throw new ArgumentException($"expected input (N, T ≥ 1, {InputChannels}), got ({string.Join(", ", input.shape)})", nameof(input));
    }

    /// <summary>(N, T, F) → conv3 after ReLU, (N, 200, ceil(T / 4)).</summary>
    private Tensor Body(Tensor input, Action<string, Tensor>? observe)
    {
        CheckInput(input);
        // Keras is channels-last; Conv1d wants (N, C, L).
        using var x0 = input.transpose(1, 2);
        using var c1 = functional.relu(ChannelAlignedConv.Forward(conv1, x0));
        observe?.Invoke("conv1", c1);
        using var p1 = KerasSamePooling.MaxPool1d(c1, PoolSize, PoolStride);
        observe?.Invoke("pool1", p1);
        using var c2 = functional.relu(ChannelAlignedConv.Forward(conv2, p1));
        observe?.Invoke("conv2", c2);
        using var p2 = KerasSamePooling.MaxPool1d(c2, PoolSize, PoolStride);
        observe?.Invoke("pool2", p2);
        var c3 = functional.relu(ChannelAlignedConv.Forward(conv3, p2));
        observe?.Invoke("conv3", c3);
        return c3;
    }

    private static Conv1d SameConv(int inChannels, int outChannels, int kernelSize) =>
        Conv1d(inChannels, outChannels, kernelSize, padding: kernelSize / 2);

    private static Sequential BuildHead(ModelVariant variant, int features, int classCount)
    {
        // The index of each layer in the Sequential is part of its key (head.1.weight), so the dropout layers stay
        // in even where they do nothing at evaluation time.
        if (variant == ModelVariant.Cnn1d)
            return Sequential(Linear(features, classCount));
        if (variant == ModelVariant.Cnn1dDropout)
            return Sequential(new SeededDropout(DropoutRate), Linear(features, classCount));
        if (variant == ModelVariant.Cnn1dDenseDropout)
            return Sequential(
                new SeededDropout(DropoutRate), Linear(features, HiddenUnits), ReLU(),
                new SeededDropout(DropoutRate), Linear(HiddenUnits, classCount));
        throw new ArgumentOutOfRangeException(nameof(variant), variant.Name, "unknown variant");
    }

    /// <summary>Keras' defaults, not PyTorch's (Kaiming-uniform, small random biases): Glorot-uniform kernels
    /// and zero biases, so training starts where the original did.</summary>
    private void KerasInit()
    {
        using var noGrad = no_grad();
        foreach (var layer in new Module[] { conv1, conv2, conv3 }.Concat(head.children()))
        {
            switch (layer)
            {
                case Conv1d conv:
                    init.xavier_uniform_(conv.weight);
                    if (conv.bias is not null) init.zeros_(conv.bias);
                    break;
                case Linear linear:
                    init.xavier_uniform_(linear.weight);
                    if (linear.bias is not null) init.zeros_(linear.bias);
                    break;
            }
        }
    }
}
