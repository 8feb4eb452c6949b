namespace FreesoundTagging.Models;

/// <summary>
/// One of the three heads the original Keras code offered over the same convolutional body. The names are the ones
/// the original command line took and the ones written into model files, so they never change.
/// </summary>
public sealed class ModelVariant
{
    /// <summary>Global max pool straight into the class layer.</summary>
    public static ModelVariant Cnn1d { get; } = new("cnn_1d", "conv body, then a linear layer to the classes");

    /// <summary>Dropout(0.2) before the class layer.</summary>
    public static ModelVariant Cnn1dDropout { get; } = new("cnn_1d_dropout", "conv body, dropout 0.2, then a linear layer to the classes");

    /// <summary>A 100-unit hidden layer, with dropout(0.2) before it and before the class layer.</summary>
    public static ModelVariant Cnn1dDenseDropout { get; } = new("cnn_1d_dense_dropout", "conv body, dropout 0.2, dense 100 + ReLU, dropout 0.2, then a linear layer to the classes");

    /// <summary>Every variant, in the order the original listed them.</summary>
    public static IReadOnlyList<ModelVariant> All { get; } = [Cnn1d, Cnn1dDropout, Cnn1dDenseDropout];

    private ModelVariant(string name, string description)
    {
        Name = name;
        Description = description;
    }

    /// <summary>The name used on the command line and in model files, e.g. "cnn_1d".</summary>
    public string Name { get; }

    /// <summary>One line on what the head is, for help text.</summary>
    public string Description { get; }

    /// <summary>The names of every variant, comma-separated, for help and error text.</summary>
    public static string ValidNames => string.Join(", ", All.Select(v => v.Name));

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
