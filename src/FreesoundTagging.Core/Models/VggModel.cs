using FreesoundTagging.Runtime;
using FreesoundTagging.Torch;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using static TorchSharp.torch.nn;

namespace FreesoundTagging.Models;

/// <summary>
/// A VGG-style 2-D CNN over the log-mel image, the network the original's author meant to try next: the mel
/// bands are normalised (batch norm per band), then four blocks of two 3×3 convolutions with batch norm and ReLU,
/// each followed by 2×2 max pooling, then a mean over frequency and the max plus the mean over time, dropout and
/// a linear layer to the classes. Input (N, T, F), any T ≥ 1; output logits (N, C).
/// </summary>
/// <remarks>
/// Widths 16-32-64-128 (300 k parameters for 24 classes) keep a training step on a 2-core CPU under half a second for
/// 64 crops of 1.28 s; 32-256 took 2.7x as long. The narrow variant's 16-16-32-64 (80 k parameters) make 2.4x fewer
/// multiplications per frame, for a student that predicts faster on a CPU. Every width is a multiple of 16, which keeps
/// oneDNN's AVX2+ convolutions on the paths that are correct on this hardware (see <see cref="ChannelAlignedConv"/>);
/// only the 1-channel input convolution is not, and VggModelTests checks it against a float64 reference. Field names
/// are state-dict keys.
/// </remarks>
public sealed class VggModel : TaggingModel
{
    /// <summary>Output channels of each block (<see cref="ModelVariant.Vgg2d"/>).</summary>
    public static readonly IReadOnlyList<int> Widths = [16, 32, 64, 128];

    /// <summary>Output channels of each block of <see cref="ModelVariant.Vgg2dNarrow"/>: the first block as wide, the
    /// others a quarter of the multiplications.</summary>
    public static readonly IReadOnlyList<int> NarrowWidths = [16, 16, 32, 64];

    public const double DropoutRate = 0.3;

    private readonly ChannelBatchNorm bandNorm;
    private readonly ModuleList<Sequential> blocks;
    private readonly SeededDropout dropout;
    private readonly Linear classifier;

    /// <summary>The blocks' output channels of a VGG variant: <see cref="Widths"/> or <see cref="NarrowWidths"/>.</summary>
    public static IReadOnlyList<int> WidthsOf(ModelVariant variant) =>
        variant == ModelVariant.Vgg2d ? Widths
        : variant == ModelVariant.Vgg2dNarrow ? NarrowWidths
        : throw new ArgumentException($"{variant.Name} is not a VGG variant", nameof(variant));

    /// <param name="variant"><see cref="ModelVariant.Vgg2d"/> or <see cref="ModelVariant.Vgg2dNarrow"/>: the widths (<see cref="WidthsOf"/>).</param>
    public VggModel(ModelVariant variant, int inputChannels, int classCount) : base(variant, inputChannels, classCount)
    {
        bandNorm = ChannelBatchNorm.Over1d(inputChannels);
        blocks = new ModuleList<Sequential>();
        int channels = 1;
        foreach (int width in WidthsOf(variant))
        {
            blocks.Add(Sequential(
                Conv2d(channels, width, 3, padding: 1, bias: false), ChannelBatchNorm.Over2d(width), ReLU(),
                Conv2d(width, width, 3, padding: 1, bias: false), ChannelBatchNorm.Over2d(width), ReLU()));
            channels = width;
        }
        dropout = new SeededDropout(DropoutRate);
        classifier = Linear(2 * channels, classCount);
        RegisterComponents();
    }

    /// <summary>Trainable parameters without building the network (300,008 for 64 bands and 24 classes; 79,912 with
    /// <see cref="NarrowWidths"/>).</summary>
    public static long ParameterCountOf(ModelVariant variant, int inputChannels, int classCount)
    {
        long count = 2L * inputChannels;
        long channels = 1;
        foreach (int width in WidthsOf(variant))
        {
            count += channels * width * 9 + 2L * width + (long)width * width * 9 + 2L * width;
            channels = width;
        }
        return count + 2 * channels * classCount + classCount;
    }

    /// <summary>
    /// Whether the feature maps after the first convolution are held channels-last (NHWC strides, the same shapes);
    /// on by default, FREESOUND_CHANNELS_LAST=0 switches it off for whole runs (benchmarks). The same arithmetic, so
    /// the outputs agree to float rounding.
    /// </summary>
    public bool ChannelsLast { get; set; } = EnvironmentSwitches.Current.ChannelsLast;

    // On the default NCHW layout oneDNN reorders every convolution's input and output to and from its blocked
    // layout, forward and backward; on NHWC it runs directly, which makes a training step 1.4x faster on one thread
    // (docs/performance.md, channels-last). The switch comes after the first convolution: its input has one channel, for which
    // the permutation leaves the NCHW strides as they are, so only its output can be made channels-last.
    internal Tensor ForwardFirstBlock(Tensor x)
    {
        if (!ChannelsLast) return blocks[0].forward(x);
        var layers = blocks[0].children().Cast<Module<Tensor, Tensor>>().ToList();
        x = MemoryLayout.ToChannelsLast(layers[0].forward(x));
        foreach (var layer in layers.Skip(1)) x = layer.forward(x);
        return x;
    }

    /// <summary>
    /// Whether evaluation folds each batch norm into the convolution before it (weights scaled by γ/√(σ² + ε), bias
    /// β − μγ/√(σ² + ε)) and applies the ReLU in place: one pass over each feature map instead of three, which makes
    /// predict's forward passes faster (docs/performance.md, folded batch norm). The same function to float rounding
    /// (VggModelTests). Training is unaffected; on by default, tests switch it off to compare.
    /// </summary>
    public bool FoldsNormsInEval { get; set; } = true;

    /// <summary>Block <paramref name="b"/> in evaluation with each batch norm folded into its convolution
    /// (<see cref="FoldsNormsInEval"/>); the first block's maps turn channels-last as in <see cref="ForwardFirstBlock"/>.
    /// With <paramref name="looped"/>, each convolution runs on the columns the rows' loops leave distinct, and the
    /// layout after the block comes back with the output (null without).</summary>
    internal (Tensor Output, LoopedTime? After) ForwardFoldedBlock(int b, Tensor x, LoopedTime? looped = null)
    {
        var layers = blocks[b].children().ToList();
        for (int i = 0; i < layers.Count; i += 3)
        {
            var conv = (Conv2d)layers[i];
            var norm = (ChannelBatchNorm)layers[i + 1];
            // Owned Scalars: TorchSharp's implicit ones can be finalized mid-call (ScalarLifetimeTests).
            using var eps = norm.eps.ToScalar();
            var scale = norm.weight!.div(norm.running_var!.add(eps, OwnedScalars.One).sqrt_());
            var weight = conv.weight!.mul(scale.view(-1, 1, 1, 1));
            var bias = norm.bias!.sub(norm.running_mean!.mul(scale));
            bool toChannelsLast = b == 0 && i == 0 && ChannelsLast;
            Tensor Convolve(Tensor input)
            {
                var y = functional.conv2d(input, weight, bias, padding: [1, 1]).relu_();
                return toChannelsLast ? MemoryLayout.ToChannelsLast(y) : y;
            }
            if (looped is null) x = Convolve(x);
            else (x, looped) = looped.Convolve(x, Convolve);
        }
        return (x, looped);
    }

    /// <summary>
    /// Logits of windows looped from clips shorter than them (<see cref="LoopedTime"/>): row i repeats every
    /// <paramref name="periods"/>[i] frames (0: it does not). The same logits as <c>forward</c> to float rounding, from
    /// a fraction of the convolutions for short clips. Evaluation with folded batch norms only; otherwise <c>forward</c>.
    /// </summary>
    public override Tensor ForwardLooped(Tensor input, IReadOnlyList<int> periods)
    {
        CheckInput(input);
        if (periods.Count != input.shape[0]) throw new ArgumentException($"expected a period per row ({input.shape[0]}), got {periods.Count}", nameof(periods));
        var looped = LoopedTime.Of(periods, (int)input.shape[1]);
        if (training || !FoldsNormsInEval || !looped.Loops) return forward(input);
        using var scope = NewDisposeScope();
        var x = bandNorm.forward(input.transpose(1, 2)).unsqueeze(1);
        // Each block's two convolutions run on the packed columns; each pooling packs again for the next block.
        const int convolutionsPerBlock = 2;
        (x, var state) = looped.Pack(x, convolutionsPerBlock);
        for (int b = 0; b < blocks.Count; b++)
        {
            (x, var afterBlock) = ForwardFoldedBlock(b, x, state);
            (x, state) = afterBlock!.MaxPool(x, b + 1 < blocks.Count ? convolutionsPerBlock : 0);
        }
        var (max, mean) = state.MaxAndMeanOverTime(x.mean([2]));
        return Head(max, mean).MoveToOuterDisposeScope();
    }

    private void CheckInput(Tensor input)
    {
        if (input.dim() != 3 || input.shape[2] != InputChannels || input.shape[1] < 1)
            throw new ArgumentException($"expected input (N, T ≥ 1, {InputChannels}), got ({string.Join(", ", input.shape)})", nameof(input));
    }

    /// <summary>The classifier (after dropout) on the max and the mean over time of the maps' mean over frequency.</summary>
    private Tensor Head(Tensor max, Tensor mean) => classifier.forward(dropout.forward(cat([max, mean], 1)));

    public override Tensor forward(Tensor input)
    {
        CheckInput(input);
        using var scope = NewDisposeScope();
        // (N, T, F) → (N, F, T): batch norm per band, then one image channel (N, 1, F, T).
        var x = bandNorm.forward(input.transpose(1, 2)).unsqueeze(1);
        for (int b = 0; b < blocks.Count; b++)
        {
            x = !training && FoldsNormsInEval ? ForwardFoldedBlock(b, x).Output : b == 0 ? ForwardFirstBlock(x) : blocks[b].forward(x);
            // ceil_mode keeps a 1-frame (or odd-sized) map valid instead of pooling it away.
            x = functional.max_pool2d(x, [2, 2], [2, 2], ceil_mode: true);
        }
        var overFrequency = x.mean([2]);
        return Head(overFrequency.amax([2]), overFrequency.mean([2])).MoveToOuterDisposeScope();
    }
}
