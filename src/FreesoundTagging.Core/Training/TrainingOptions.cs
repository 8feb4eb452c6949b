namespace FreesoundTagging.Training;

/// <summary>How to train. Defaults are the original model.py recipe: Adam 1e-3 (ε 1e-7, as Keras), 30 epochs,
/// batch 64, all rows, every clip padded to the full frame count.</summary>
public sealed record TrainingOptions
{
    public string Variant { get; init; } = "cnn_1d_dropout";

    public int Epochs { get; init; } = 30;

    public int BatchSize { get; init; } = 64;

    public double LearningRate { get; init; } = 1e-3;

    public double AdamEpsilon { get; init; } = 1e-7;

    /// <summary>Seeds initialisation, dropout and shuffling; null picks one (recorded in the history).</summary>
    public int? Seed { get; init; }

    /// <summary>Share of rows held out (stratified by class) for validation after each epoch; 0 = none.</summary>
    public double ValidationFraction { get; init; }

    /// <summary>auto, cpu or cuda[:n].</summary>
    public string Device { get; init; } = "auto";

    /// <summary>libtorch intra-op threads; default all cores.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Batch clips of similar length and crop each batch to its longest clip, instead of padding all
    /// clips to MaxFrames.</summary>
    public bool Bucket { get; init; }

    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>();
        if (Epochs < 1) p.Add($"epochs must be at least 1 (got {Epochs})");
        if (BatchSize < 1) p.Add($"batch size must be at least 1 (got {BatchSize})");
        if (!(LearningRate > 0)) p.Add($"learning rate must be positive (got {LearningRate})");
        if (!(AdamEpsilon > 0)) p.Add($"Adam epsilon must be positive (got {AdamEpsilon})");
        if (ValidationFraction is < 0 or >= 1) p.Add($"validation fraction must be in [0, 1) (got {ValidationFraction})");
        if (Threads < 1) p.Add($"threads must be at least 1 (got {Threads})");
        return p;
    }
}

/// <summary>Where a training step is, for a progress bar.</summary>
public readonly record struct TrainingProgress(
    int Epoch, int Epochs, int Step, int Steps, double Loss, double Accuracy, double StepsPerSecond);
