namespace FreesoundTagging.Models;

/// <summary>Builds a model from the variant name the user typed or a model file declared.</summary>
public static class ModelFactory
{
    /// <exception cref="InvalidInputException">Unknown variant; the message lists the valid names.</exception>
    public static TaggingModel Create(string variant, int inputChannels, int classCount) =>
        ModelVariant.Parse(variant).Create(inputChannels, classCount);
}
