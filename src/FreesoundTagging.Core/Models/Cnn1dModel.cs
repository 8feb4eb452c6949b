using FreesoundTagging.Runtime;
using FreesoundTagging.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FreesoundTagging.Models;

/// <summary>
/// The 1-D CNN of the original Keras code: log-mel frames are 64 channels over time, three 'same' convolutions
/// with ReLU (the first two followed by 'same' max pooling of 3, stride 2), a global max over time, and a head
/// that depends on the <see cref="ModelVariant"/>. Input (N, T, F) with F = input channels (Keras channels-last),
/// any T ≥ 1; output logits (N, C). How it computes a padded batch without its padding and a long clip in chunks
/// lives beside it (<see cref="PaddedGlobalMax"/>, <see cref="LongRowChunks"/>); its variants are built by
/// <see cref="Cnn1dVariants"/>.
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

    private const int PoolSize = 3;
    private const int PoolStride = 2;

    private readonly Conv1d conv1;
    private readonly Conv1d conv2;
    private readonly Conv1d conv3;
    private readonly Sequential head;

    /// <summary>A freshly initialised network of <paramref name="variant"/> (Glorot-uniform weights, zero biases);
    /// <see cref="Cnn1dVariants"/> names the three.</summary>
    internal Cnn1dModel(ModelVariant variant, int inputChannels, int classCount)
        : base(variant, inputChannels, classCount)
    {
        conv1 = SameConv(inputChannels, Filters[0], KernelSizes[0]);
        conv2 = SameConv(Filters[0], Filters[1], KernelSizes[1]);
        conv3 = SameConv(Filters[1], Filters[2], KernelSizes[2]);
        head = BuildHead(variant, Filters[2], classCount);
        KerasInit();
        RegisterComponents();
    }

    /// <summary>
    /// Skip the convolution of zero padding (<see cref="PaddedGlobalMax"/>): the same logits and gradients as the
    /// plain computation within float rounding. Off only to measure or check it against the plain one; the
    /// environment variable FREESOUND_ELIDE_PADDING=0 switches it off for whole runs (benchmarks).
    /// </summary>
    public bool ElidePadding { get; set; } = EnvironmentSwitches.Current.ElidePadding;

    public override bool SkipsPadding => ElidePadding;

    /// <summary>(N, T, F) → logits (N, C).</summary>
    public override Tensor forward(Tensor input) => ForwardPadded(input, input.shape[1]);

    /// <summary>The padding is not convolved (<see cref="PaddedGlobalMax"/>) unless <see cref="ElidePadding"/> is
    /// off; without gradients, rows longer than <see cref="LongRowChunks.Frames"/> are computed in chunks.</summary>
    public override Tensor ForwardPadded(Tensor input, long paddedFrames, IReadOnlyList<int>? contentFrames = null)
    {
        using var pooled = PaddedGlobalMax.Of(this, input, paddedFrames, contentFrames);
        return head.forward(pooled);
    }

    /// <summary>(N, T, F) → the global max over time of conv3, (N, 200): what the head sees.</summary>
    public Tensor GlobalMaxPool(Tensor input) => PaddedGlobalMax.Of(this, input, input.shape[1], null);

    /// <summary>Conv3 after ReLU for (N, T, F), (N, 200, ceil(T / 4)): for checks of the geometry.</summary>
    internal Tensor Conv3Of(Tensor input) => Body(input, null);

    /// <summary>The head alone: global-max-pooled features (N, 200) → logits (N, C).</summary>
    internal Tensor Classify(Tensor pooled) => head.forward(pooled);

    /// <summary>Shapes (N, C, L) of conv1, pool1, conv2, pool2 and conv3 for <paramref name="input"/>, for checks.</summary>
    internal IReadOnlyDictionary<string, long[]> ActivationShapes(Tensor input)
    {
        var shapes = new Dictionary<string, long[]>();
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var _ = Body(input, (name, t) => shapes[name] = t.shape);
        return shapes;
    }

    internal void CheckInput(Tensor input)
    {
        if (input.dim() != 3 || input.shape[2] != InputChannels || input.shape[1] < 1)
            throw new ArgumentException($"expected input (N, T ≥ 1, {InputChannels}), got ({string.Join(", ", input.shape)})", nameof(input));
    }

    /// <summary>(N, T, F) → conv3 after ReLU, (N, 200, ceil(T / 4)). With <paramref name="zeroed"/> (a packed
    /// sequence, <see cref="RowPacking"/>), the masked positions of conv1, pool1, conv2 and pool2 are set to zero.</summary>
    /// <remarks>On the CPU, where <see cref="ChannelsLastConv1d"/> says so, the layers run as 2-D ones on (N, C, 1, T) feature
    /// maps in channels-last memory, where oneDNN needs no reordering around each convolution; the input is
    /// channels-last already (Keras' layout), so it is not copied. Else on (N, C, T), as Conv1d does.</remarks>
    internal Tensor Body(Tensor input, Action<string, Tensor>? observe = null, LayerMasks? zeroed = null)
    {
        CheckInput(input);
        // The layout choice is oneDNN's, so the CPU's; on a GPU the convolutions stay 1-D.
        bool channelsLast = ChannelsLastConv1d.Enabled && input.device_type == DeviceType.CPU;
        using var x0 = channelsLast ? input.unsqueeze(1).permute(0, 3, 1, 2) : input.transpose(1, 2);
        using var c1 = Zeroed(functional.relu(ChannelAlignedConv.Forward(conv1, x0)), zeroed?.Conv1);
        Observe(observe, "conv1", c1);
        using var p1 = Zeroed(KerasSamePooling.MaxPool1d(c1, PoolSize, PoolStride), zeroed?.Pool1);
        Observe(observe, "pool1", p1);
        using var c2 = Zeroed(functional.relu(ChannelAlignedConv.Forward(conv2, p1)), zeroed?.Conv2);
        Observe(observe, "conv2", c2);
        using var p2 = Zeroed(KerasSamePooling.MaxPool1d(c2, PoolSize, PoolStride), zeroed?.Pool2);
        Observe(observe, "pool2", p2);
        using var c3 = functional.relu(ChannelAlignedConv.Forward(conv3, p2));
        Observe(observe, "conv3", c3);
        return channelsLast ? c3.squeeze(2) : c3.alias();
    }

    private static void Observe(Action<string, Tensor>? observe, string name, Tensor map)
    {
        if (observe is null) return;
        using var flat = map.dim() == 4 ? map.squeeze(2) : map.alias();
        observe(name, flat);
    }

    /// <summary><paramref name="activation"/> times <paramref name="mask"/> (sequences, 1, L) of ones and zeros;
    /// takes ownership. (A non-finite activation at a zeroed position would become NaN, but then the step's loss is
    /// not finite anyway, and training stops on it.)</summary>
    private static Tensor Zeroed(Tensor activation, Tensor? mask)
    {
        if (mask is null) return activation;
        using (activation)
        {
            if (activation.dim() == 3) return activation.mul(mask);
            using var map = mask.unsqueeze(2);
            return activation.mul(map);
        }
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
