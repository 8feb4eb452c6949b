namespace FreesoundTagging.Training;

/// <summary>How to train. Defaults are the original model.py recipe: Adam 1e-3 (ε 1e-7, as Keras), 30 epochs,
/// batch 64, all rows, every clip padded to the full frame count, no augmentation, every label trusted. The
/// recipe options (crops, mixup, masking, label weights, schedule, folds) are off by default and combine freely.</summary>
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

    /// <summary>Draw the validation rows only from those whose label was manually verified (the fraction is then of
    /// each class's verified rows): on FSDKaggle2018-style data the unverified labels are partly wrong, and a score
    /// against them rewards agreeing with the errors, where a challenge's test labels are checked ones.</summary>
    public bool ValidateVerifiedOnly { get; init; }

    /// <summary>auto, cpu or cuda[:n].</summary>
    public string Device { get; init; } = "auto";

    /// <summary>libtorch intra-op threads; default all cores.</summary>
    public int Threads { get; init; } = Environment.ProcessorCount;

    /// <summary>Batch clips of similar length and crop each batch to its longest clip, instead of padding all
    /// clips to MaxFrames.</summary>
    public bool Bucket { get; init; }

    /// <summary>Train on a random crop this long of each clip (shorter clips are looped to fill it) and have
    /// predict average over sliding windows of the same length; null = whole clips as the original.</summary>
    public double? CropSeconds { get; init; }

    /// <summary>Mixup: blend each example with another of the batch, weight λ ~ Beta(α, α) for images and
    /// targets alike; 0 = off.</summary>
    public double MixupAlpha { get; init; }

    /// <summary>SpecAugment-style masks applied to each training example.</summary>
    public SpecAugmentOptions SpecAugment { get; init; } = SpecAugmentOptions.None;

    /// <summary>Loss weight of rows whose label was not manually verified (verified rows weigh 1).</summary>
    public double UnverifiedWeight { get; init; } = 1;

    /// <summary>constant (the original) or cosine: decay from LearningRate to 0 over the run, step by step.</summary>
    public string Schedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>K of K-fold cross-validation (0 = none); the rows of fold <see cref="Fold"/> are held out.</summary>
    public int Folds { get; init; }

    /// <summary>0-based fold held out for validation when <see cref="Folds"/> ≥ 2.</summary>
    public int Fold { get; init; }

    /// <summary>Networks trained one after another with different seeds on the same rows (and validation split) and
    /// saved as one ensemble file whose probabilities predict averages; 1 = a single network.</summary>
    public int Members { get; init; } = 1;

    /// <summary>0-based member being trained when <see cref="Members"/> ≥ 2: it sets the seed of initialisation,
    /// shuffling, augmentation and dropout (<see cref="MemberSeed"/>), not of the validation split.</summary>
    public int Member { get; init; }

    /// <summary>Training examples are shifted along the mel axis by up to this many bands either way (a rough pitch
    /// shift, <see cref="Features.BandShifter"/>); 0 = off.</summary>
    public int BandShift { get; init; }

    /// <summary>Test-time augmentation along the mel axis, recorded in the model file: predict (and validation) also
    /// score every input shifted by ±1 … ±K bands and average the 2K + 1 probabilities; 0 = off.</summary>
    public int TtaBandShifts { get; init; }

    /// <summary>Label smoothing ε: targets become (1 − ε)·y + ε/C after mixup; 0 = off.</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>Decay per step of an exponential moving average of the weights, which is then what is validated and
    /// saved (<see cref="WeightAverage"/>); 0 = off, the trained weights themselves.</summary>
    public double EmaDecay { get; init; }

    /// <summary>With crops: windows predict (and validation) score per window length, i.e. the windows slide by
    /// window/N (test-time augmentation over offsets); 2 = half a window, as before it could be set.</summary>
    public int WindowsPerCrop { get; init; } = 2;

    /// <summary>With crops: the length of the windows predict (and validation) score, in seconds; null = the crop. The
    /// network pools over time, so it can score windows longer than it was trained on: its max and mean then see more
    /// of the clip at once.</summary>
    public double? ScoringWindowSeconds { get; init; }

    /// <summary>Which epoch's weights the model file holds: the last (the original) or the one with the highest
    /// validation MAP@3 (<see cref="KeepEpoch.Best"/>; needs a validation set).</summary>
    public string Keep { get; init; } = KeepEpoch.Last;

    /// <summary>Early stopping: end the run once this many epochs in a row bring no higher validation MAP@3; 0 = off
    /// (needs a validation set).</summary>
    public int Patience { get; init; }

    /// <summary>Whether the run holds rows out for validation (a fraction or a fold).</summary>
    public bool Validates => Folds >= 2 || ValidationFraction > 0;

    /// <summary>The seed of member <paramref name="member"/> of a run seeded <paramref name="seed"/>: member 0 is the
    /// run itself, so a one-member run and the first member of an ensemble are the same network.</summary>
    public static int MemberSeed(int seed, int member) => unchecked(seed + member * 1_000_003);

    /// <summary>Frames between scoring windows for these features; null without crops.</summary>
    public int? WindowHopFrames(Features.FeatureConfig features) =>
        ScoringWindowFrames(features) is { } window ? Math.Max(1, (int)Math.Round(window / (double)WindowsPerCrop)) : null;

    /// <summary>Frames of the windows predict scores: <see cref="ScoringWindowSeconds"/>, else the crop; null without crops.</summary>
    public int? ScoringWindowFrames(Features.FeatureConfig features) =>
        CropFrames(features) is not { } crop ? null : ScoringWindowSeconds is { } s ? FramesOf(s, features) : crop;

    /// <summary>Frames a crop of <see cref="CropSeconds"/> spans with these features; null without crops.</summary>
    public int? CropFrames(Features.FeatureConfig features) => CropSeconds is { } s ? FramesOf(s, features) : null;

    private static int FramesOf(double seconds, Features.FeatureConfig features) =>
        Math.Max(1, (int)Math.Round(seconds * features.SampleRate / features.HopLength));

    /// <summary>The settings in words, e.g. "cnn_2d_vgg, 40 epochs, batch 64, Adam 0.001 cosine, crop 2 s, mixup 0.4".</summary>
    public string Describe()
    {
        var parts = new List<string> { Variant, $"{Epochs} epochs", $"batch {BatchSize}", $"Adam {LearningRate:G4} {Schedule}" };
        if (Bucket) parts.Add("length-bucketed");
        if (CropSeconds is { } crop) parts.Add($"crop {crop:G4} s");
        if (MixupAlpha > 0) parts.Add($"mixup {MixupAlpha:G4}");
        if (SpecAugment.Enabled) parts.Add($"masks {SpecAugment.TimeMasks}x{SpecAugment.TimeMaskFrames} frames + {SpecAugment.FrequencyMasks}x{SpecAugment.FrequencyMaskBands} bands");
        if (UnverifiedWeight < 1) parts.Add($"unverified weight {UnverifiedWeight:G4}");
        if (BandShift > 0) parts.Add($"band shifts ±{BandShift}");
        if (LabelSmoothing > 0) parts.Add($"label smoothing {LabelSmoothing:G4}");
        if (EmaDecay > 0) parts.Add($"weight average {EmaDecay:G4}");
        if (TtaBandShifts > 0) parts.Add($"scored at band shifts 0..±{TtaBandShifts}");
        if (CropSeconds is not null && ScoringWindowSeconds is { } window) parts.Add($"scored on {window:G4} s windows");
        if (CropSeconds is not null && WindowsPerCrop != 2) parts.Add($"{WindowsPerCrop} windows per crop");
        if (Members >= 2) parts.Add($"{Members} members");
        if (Folds >= 2) parts.Add($"fold {Fold + 1}/{Folds}");
        else if (ValidationFraction > 0) parts.Add(ValidateVerifiedOnly ? $"validation {ValidationFraction:G4} of verified rows" : $"validation {ValidationFraction:G4}");
        if (Keep == KeepEpoch.Best) parts.Add("keep best");
        if (Patience > 0) parts.Add($"patience {Patience}");
        if (Seed is { } seed) parts.Add($"seed {seed}");
        return string.Join(", ", parts);
    }

    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>();
        if (Epochs < 1) p.Add($"epochs must be at least 1 (got {Epochs})");
        if (BatchSize < 1) p.Add($"batch size must be at least 1 (got {BatchSize})");
        if (!(LearningRate > 0)) p.Add($"learning rate must be positive (got {LearningRate})");
        if (!(AdamEpsilon > 0)) p.Add($"Adam epsilon must be positive (got {AdamEpsilon})");
        if (ValidationFraction is < 0 or >= 1) p.Add($"validation fraction must be in [0, 1) (got {ValidationFraction})");
        if (Threads < 1) p.Add($"threads must be at least 1 (got {Threads})");
        if (CropSeconds is { } crop && !(crop > 0 && crop <= 600)) p.Add($"crop must be more than 0 and at most 600 seconds (got {crop})");
        if (ScoringWindowSeconds is { } window && !(window > 0 && window <= 600)) p.Add($"scoring window must be more than 0 and at most 600 seconds (got {window})");
        if (ScoringWindowSeconds is not null && CropSeconds is null) p.Add("--score-window needs --crop (without crops predict scores whole clips)");
        if (CropSeconds is not null && Bucket) p.Add("crops and --bucket do not combine (crops already fix each batch's length)");
        if (!(MixupAlpha >= 0 && MixupAlpha <= 100)) p.Add($"mixup alpha must be in [0, 100] (got {MixupAlpha})");
        p.AddRange(SpecAugment.Problems());
        if (!(UnverifiedWeight >= 0 && UnverifiedWeight <= 1)) p.Add($"unverified weight must be in [0, 1] (got {UnverifiedWeight})");
        if (!LearningRateSchedule.All.Contains(Schedule)) p.Add($"unknown learning-rate schedule '{Schedule}' (valid: {string.Join(", ", LearningRateSchedule.All)})");
        if (!(LabelSmoothing >= 0 && LabelSmoothing < 1)) p.Add($"label smoothing must be in [0, 1) (got {LabelSmoothing})");
        if (BandShift is < 0 or > 64) p.Add($"band shift must be 0 to 64 bands (got {BandShift})");
        if (TtaBandShifts is < 0 or > Models.ModelMetadata.MaxBandShifts) p.Add($"test-time band shifts must be 0 to {Models.ModelMetadata.MaxBandShifts} (got {TtaBandShifts})");
        if (!(EmaDecay >= 0 && EmaDecay < 1)) p.Add($"EMA decay must be in [0, 1) (got {EmaDecay})");
        if (WindowsPerCrop is < 1 or > 64) p.Add($"windows per crop must be 1 to 64 (got {WindowsPerCrop})");
        if (Members is < 1 or > Models.ModelFile.MaxMembers) p.Add($"members must be 1 to {Models.ModelFile.MaxMembers} (got {Members})");
        if (Members >= 2 && (Member < 0 || Member >= Members)) p.Add($"member must be in [0, {Members}) (got {Member})");
        if (Members >= 2 && Folds >= 2) p.Add("--members and --folds do not combine (train the folds, then predict with all of them)");
        if (Folds is < 0 or 1 or > 100) p.Add($"folds must be 0 (none) or 2 to 100 (got {Folds})");
        if (Folds >= 2 && (Fold < 0 || Fold >= Folds)) p.Add($"fold must be in [0, {Folds}) (got {Fold})");
        if (Folds >= 2 && ValidationFraction > 0) p.Add("--folds and --val-fraction do not combine (each fold is the validation set of its model)");
        if (ValidateVerifiedOnly && Folds >= 2) p.Add("--val-verified-only and --folds do not combine (every row is in some fold's validation set)");
        else if (ValidateVerifiedOnly && ValidationFraction == 0) p.Add("--val-verified-only needs --val-fraction F (the share of each class's verified rows to hold out)");
        if (!KeepEpoch.All.Contains(Keep)) p.Add($"unknown --keep '{Keep}' (valid: {string.Join(", ", KeepEpoch.All)})");
        if (Patience is < 0 or > 100_000) p.Add($"patience must be 0 (off) or a positive number of epochs (got {Patience})");
        if (!Validates && Keep == KeepEpoch.Best) p.Add("--keep best needs a validation set: add --val-fraction F or --folds K");
        if (!Validates && Patience > 0) p.Add("--patience needs a validation set: add --val-fraction F or --folds K");
        return p;
    }
}

/// <summary>The values <see cref="TrainingOptions.Keep"/> takes.</summary>
public static class KeepEpoch
{
    public const string Last = "last";
    public const string Best = "best";

    public static IReadOnlyList<string> All { get; } = [Last, Best];
}

/// <summary>Where a training step is, for a progress bar.</summary>
public readonly record struct TrainingProgress(
    int Epoch, int Epochs, int Step, int Steps, double Loss, double Accuracy, double StepsPerSecond);

/// <summary>SpecAugment-style masking: each training example gets <see cref="TimeMasks"/> bands of up to
/// <see cref="TimeMaskFrames"/> frames and <see cref="FrequencyMasks"/> bands of up to
/// <see cref="FrequencyMaskBands"/> mel bands set to the example's mean (widths uniform in [0, max]).</summary>
public sealed record SpecAugmentOptions(int TimeMasks, int TimeMaskFrames, int FrequencyMasks, int FrequencyMaskBands)
{
    public static SpecAugmentOptions None { get; } = new(0, 0, 0, 0);

    public bool Enabled => (TimeMasks > 0 && TimeMaskFrames > 0) || (FrequencyMasks > 0 && FrequencyMaskBands > 0);

    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>();
        if (TimeMasks is < 0 or > 100 || FrequencyMasks is < 0 or > 100) p.Add($"mask counts must be in [0, 100] (got {TimeMasks} time, {FrequencyMasks} frequency)");
        if (TimeMaskFrames < 0 || FrequencyMaskBands < 0) p.Add($"mask widths must not be negative (got {TimeMaskFrames} frames, {FrequencyMaskBands} bands)");
        return p;
    }
}

/// <summary>The learning-rate schedules <see cref="TrainingOptions.Schedule"/> takes.</summary>
public static class LearningRateSchedule
{
    public const string Constant = "constant";
    public const string Cosine = "cosine";

    public static IReadOnlyList<string> All { get; } = [Constant, Cosine];

    /// <summary>The rate for step <paramref name="step"/> of <paramref name="totalSteps"/> (a pure function, so a
    /// resumed run continues on the same curve).</summary>
    public static double At(string schedule, double baseRate, long step, long totalSteps) =>
        schedule == Cosine ? baseRate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(step, totalSteps) / Math.Max(totalSteps, 1))) : baseRate;
}
