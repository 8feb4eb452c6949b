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

    /// <summary>Trainable parameters of this instance.</summary>
    public long ParameterCount() => parameters().Sum(p => p.numel());

    /// <summary>Has every dropout layer draw its masks from <paramref name="generator"/> (null: libtorch's global one).</summary>
    public void UseDropoutGenerator(Generator? generator)
    {
        foreach (var layer in modules().OfType<SeededDropout>()) layer.Generator = generator;
    }
}
