namespace FreesoundTagging.Models;

/// <summary>
/// A network <c>model</c> can train: the three heads the original Keras code offered over its 1-D convolutional
/// body, and the VGG-style 2-D CNN its author meant to try next. The names are the ones typed on the command line
/// and written into model files, so they never change.
/// </summary>
public sealed class ModelVariant
{
    /// <summary>Global max pool straight into the class layer.</summary>
    public static ModelVariant Cnn1d { get; } = new("cnn_1d", "the original 1-D conv body, then a linear layer to the classes",
        (f, c) => Cnn1dVariants.Create(Cnn1d!, f, c), (f, c) => Cnn1dVariants.ParameterCount(Cnn1d!, f, c));

    /// <summary>Dropout(0.2) before the class layer.</summary>
    public static ModelVariant Cnn1dDropout { get; } = new("cnn_1d_dropout", "the original 1-D conv body, dropout 0.2, then a linear layer to the classes",
        (f, c) => Cnn1dVariants.Create(Cnn1dDropout!, f, c), (f, c) => Cnn1dVariants.ParameterCount(Cnn1dDropout!, f, c));

    /// <summary>A 100-unit hidden layer, with dropout(0.2) before it and before the class layer.</summary>
    public static ModelVariant Cnn1dDenseDropout { get; } = new("cnn_1d_dense_dropout", "the original 1-D conv body, dropout 0.2, dense 100 + ReLU, dropout 0.2, then a linear layer to the classes",
        (f, c) => Cnn1dVariants.Create(Cnn1dDenseDropout!, f, c), (f, c) => Cnn1dVariants.ParameterCount(Cnn1dDenseDropout!, f, c));

    /// <summary>VGG-style 2-D CNN over the log-mel image (<see cref="VggModel"/>).</summary>
    public static ModelVariant Vgg2d { get; } = new("cnn_2d_vgg", "VGG-style 2-D CNN: 4 blocks of 2x(3x3 conv + batch norm + ReLU) + 2x2 max pool, global pooling, dropout 0.3, linear",
        (f, c) => new VggModel(Vgg2d!, f, c), (f, c) => VggModel.ParameterCountOf(Vgg2d!, f, c));

    /// <summary>The VGG-style CNN with narrower blocks (<see cref="VggModel.NarrowWidths"/>): a faster student.</summary>
    public static ModelVariant Vgg2dNarrow { get; } = new("cnn_2d_vgg_narrow", "cnn_2d_vgg with 16-16-32-64 channels: a quarter of the parameters, 2.4x fewer multiplications",
        (f, c) => new VggModel(Vgg2dNarrow!, f, c), (f, c) => VggModel.ParameterCountOf(Vgg2dNarrow!, f, c));

    /// <summary>Every variant: the original three in their order, then the new ones.</summary>
    public static IReadOnlyList<ModelVariant> All { get; } = [Cnn1d, Cnn1dDropout, Cnn1dDenseDropout, Vgg2d, Vgg2dNarrow];

    private readonly Func<int, int, TaggingModel> _create;
    private readonly Func<int, int, long> _parameterCount;

    private ModelVariant(string name, string description, Func<int, int, TaggingModel> create, Func<int, int, long> parameterCount)
    {
        Name = name;
        Description = description;
        _create = create;
        _parameterCount = parameterCount;
    }

    /// <summary>The name used on the command line and in model files, e.g. "cnn_1d".</summary>
    public string Name { get; }

    /// <summary>One line on what the network is, for help text.</summary>
    public string Description { get; }

    /// <summary>The names of every variant, comma-separated, for help and error text.</summary>
    public static string ValidNames => string.Join(", ", All.Select(v => v.Name));

    /// <summary>A freshly initialised network of this variant.</summary>
    public TaggingModel Create(int inputChannels, int classCount) => _create(inputChannels, classCount);

    /// <summary>Trainable parameters of such a network, computed without building it.</summary>
    public long ParameterCount(int inputChannels, int classCount) => _parameterCount(inputChannels, classCount);

    /// <summary>Finds a variant by its exact name (ordinal, case-sensitive: the names are identifiers).</summary>
    public static bool TryParse(string? name, out ModelVariant variant)
    {
        variant = All.FirstOrDefault(v => v.Name == name)!;
        return variant is not null;
    }

    /// <exception cref="InvalidInputException">Unknown name; the message lists the valid ones.</exception>
    public static ModelVariant Parse(string? name)
    {
        if (TryParse(name, out var variant)) return variant;
        throw new InvalidInputException($"unknown model variant '{name}': valid variants are {ValidNames}");
    }

    public override string ToString() => Name;
}
