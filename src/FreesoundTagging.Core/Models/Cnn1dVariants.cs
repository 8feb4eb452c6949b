namespace FreesoundTagging.Models;

/// <summary>The three heads of the original Keras code over <see cref="Cnn1dModel"/>'s body, built fresh, and their
/// sizes computed without building them.</summary>
public static class Cnn1dVariants
{
    /// <summary>cnn_1d: global max pool → Linear(200, C).</summary>
    public static Cnn1dModel Plain(int inputChannels, int classCount) => new(ModelVariant.Cnn1d, inputChannels, classCount);

    /// <summary>cnn_1d_dropout: global max pool → Dropout(0.2) → Linear(200, C).</summary>
    public static Cnn1dModel WithDropout(int inputChannels, int classCount) => new(ModelVariant.Cnn1dDropout, inputChannels, classCount);

    /// <summary>cnn_1d_dense_dropout: global max pool → Dropout → Linear(200, 100) → ReLU → Dropout → Linear(100, C).</summary>
    public static Cnn1dModel WithDenseDropout(int inputChannels, int classCount) => new(ModelVariant.Cnn1dDenseDropout, inputChannels, classCount);

    /// <summary>The network of <paramref name="variant"/>, freshly initialised (Glorot-uniform weights, zero biases).</summary>
    public static Cnn1dModel Create(ModelVariant variant, int inputChannels, int classCount) => new(variant, inputChannels, classCount);

    /// <summary>Trainable parameters of a network, without building it: 218,491 for cnn_1d with 64 inputs and 41 classes.</summary>
    public static long ParameterCount(ModelVariant variant, int inputChannels, int classCount)
    {
        long body = 0;
        long channels = inputChannels;
        for (int i = 0; i < Cnn1dModel.Filters.Length; i++)
        {
            body += channels * Cnn1dModel.Filters[i] * Cnn1dModel.KernelSizes[i] + Cnn1dModel.Filters[i];
            channels = Cnn1dModel.Filters[i];
        }
        long head = variant == ModelVariant.Cnn1dDenseDropout
            ? channels * Cnn1dModel.HiddenUnits + Cnn1dModel.HiddenUnits + Cnn1dModel.HiddenUnits * (long)classCount + classCount
            : channels * classCount + classCount;
        return body + head;
    }
}
