using FreesoundTagging.Features;

namespace FreesoundTagging.Models;

/// <summary>A model read from a model file, with what the file said about it. Disposing it frees the weights.</summary>
public sealed class LoadedModel(TaggingModel model, ModelMetadata metadata, string path) : IDisposable
{
    public TaggingModel Model { get; } = model;

    public ModelMetadata Metadata { get; } = metadata;

    /// <summary>The file it came from, for messages.</summary>
    public string Path { get; } = path;

    public ModelVariant Variant => Model.Variant;

    public IReadOnlyList<string> Classes => Metadata.Classes;

    public FeatureConfig Features => Metadata.Features;

    public TrainingHistory History => Metadata.History;

    /// <exception cref="InvalidModelException">The model's classes differ from <paramref name="expected"/>.</exception>
    public void EnsureClasses(IReadOnlyList<string> expected) => ModelFile.EnsureClasses(Classes, expected, Path);

    public void Dispose() => Model.Dispose();
}
