using static TorchSharp.torch;

namespace FreesoundTagging.Models;

/// <summary>
/// What every network this tool trains has in common: log-mel input (N, T, F) with F = <see cref="InputChannels"/>
/// mel bands and any T ≥ 1, class logits (N, <see cref="ClassCount"/>) out. Model files, training and prediction
/// work on this type, so a new architecture only has to derive from it and be listed in <see cref="ModelVariant"/>.
/// </summary>
public abstract class TaggingModel : nn.Module<Tensor, Tensor>
{
    protected TaggingModel(ModelVariant variant, int inputChannels, int classCount) : base(variant.Name)
    {
        if (inputChannels <= 0) throw new ArgumentOutOfRangeException(nameof(inputChannels), inputChannels, "must be positive");
        if (classCount <= 0) throw new ArgumentOutOfRangeException(nameof(classCount), classCount, "must be positive");
        Variant = variant;
        InputChannels = inputChannels;
        ClassCount = classCount;
    }

    public ModelVariant Variant { get; }

    /// <summary>Features per frame (F of the input), the mel band count.</summary>
    public int InputChannels { get; }

    /// <summary>Classes (C of the output).</summary>
    public int ClassCount { get; }

    /// <summary>Whether <see cref="ForwardPadded"/> skips the padding, so callers gain by feeding only the frames that
    /// hold content (a batch trimmed to its longest row) instead of the padded batch.</summary>
    public virtual bool SkipsPadding => false;

    /// <summary>
    /// Logits (N, C) of rows zero-padded to <paramref name="paddedFrames"/>, given their first T ≤ paddedFrames frames
    /// (N, T, F): what <c>forward</c> of the padded batch gives. T only has to cover every row's non-zero frames. A
    /// network that can skip the padding (<see cref="SkipsPadding"/>) does; the rest pad and run <c>forward</c>.
    /// </summary>
    /// <param name="contentFrames">Per row, a bound on its non-zero frames (e.g. 1 + its last non-zero frame); null:
    /// unknown (a network that uses it reads it from <paramref name="input"/>).</param>
    public virtual Tensor ForwardPadded(Tensor input, long paddedFrames, IReadOnlyList<int>? contentFrames = null)
    {
        if (paddedFrames < input.shape[1]) throw new ArgumentOutOfRangeException(nameof(paddedFrames), paddedFrames, $"is shorter than the input's {input.shape[1]} frames");
        if (paddedFrames == input.shape[1]) return forward(input);
        using var padded = nn.functional.pad(input, [0, 0, 0, paddedFrames - input.shape[1]]);
        return forward(padded);
    }

    /// <summary>
    /// Logits (N, C) of windows looped from clips shorter than them (<see cref="Features.ClipCrop"/>): row i repeats
    /// every <paramref name="periods"/>[i] frames (0: it does not). What <c>forward</c> gives; a network that can
    /// compute one period instead of the whole window (<see cref="LoopedTime"/>) does.
    /// </summary>
    public virtual Tensor ForwardLooped(Tensor input, IReadOnlyList<int> periods) => forward(input);

    /// <summary>Trainable parameters of this instance.</summary>
    public long ParameterCount() => parameters().Sum(p => p.numel());

    /// <summary>Has every dropout layer draw its masks from <paramref name="generator"/> (null: libtorch's global one).</summary>
    public void UseDropoutGenerator(Generator? generator)
    {
        foreach (var layer in modules().OfType<SeededDropout>()) layer.Generator = generator;
    }
}
