namespace FreesoundTagging.Recipes;

/// <summary>How to train. Defaults are the original model.py recipe: Adam 1e-3 (ε 1e-7, as Keras), 30 epochs,
/// batch 64, all rows, every clip padded to the full frame count, no augmentation, every label trusted. The
/// recipe options (crops, mixup, masking, label weights, schedule, folds) are off by default and combine freely.
/// What a run trains (the network, and which fold or member it is) is not an option: the job says it.</summary>
public sealed record TrainingOptions
{
    /// <summary>Networks an ensemble file may hold (the model file's own limit).</summary>
    public const int MaxMembers = 64;

    /// <summary>Mel-band shifts a model file may ask predict to score at (the model file's own limit).</summary>
    public const int MaxTtaBandShifts = 8;

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

    /// <summary>Recording degradations simulated on each training crop (noise, reverberation, filters, other sounds, DC);
    /// needs crops.</summary>
    public RecordingDegradations Degradations { get; init; } = RecordingDegradations.None;

    /// <summary>Loss weight of rows whose label was not manually verified (verified rows weigh 1).</summary>
    public double UnverifiedWeight { get; init; } = 1;

    /// <summary>constant (the original) or cosine: decay from LearningRate to 0 over the run, step by step.</summary>
    public LearningRateSchedule Schedule { get; init; } = LearningRateSchedule.Constant;

    /// <summary>K of K-fold cross-validation (0 = none): K models, each holding out its own fold.</summary>
    public int Folds { get; init; }

    /// <summary>Networks trained one after another with different seeds on the same rows (and validation split) and
    /// saved as one ensemble file whose probabilities predict averages; 1 = a single network.</summary>
    public int Members { get; init; } = 1;

    /// <summary>Training examples are shifted along the mel axis by up to this many bands either way (a rough pitch
    /// shift, <see cref="Features.BandShifter"/>); 0 = off.</summary>
    public int BandShift { get; init; }

    /// <summary>Test-time augmentation along the mel axis, recorded in the model file: predict (and validation) also
    /// score every input shifted by ±1 … ±K bands and average the 2K + 1 probabilities; 0 = off.</summary>
    public int TtaBandShifts { get; init; }

    /// <summary>Label smoothing ε: targets become (1 − ε)·y + ε/C after mixup; 0 = off.</summary>
    public double LabelSmoothing { get; init; }

    /// <summary>Decay per step of an exponential moving average of the weights, which is then what is validated and
    /// saved (the trainer keeps it beside the trained weights); 0 = off, the trained weights themselves.</summary>
    public double EmaDecay { get; init; }

    /// <summary>With crops: windows predict (and validation) score per window length, i.e. the windows slide by
    /// window/N (test-time augmentation over offsets); 2 = half a window, as before it could be set.</summary>
    public int WindowsPerCrop { get; init; } = 2;

    /// <summary>With crops: the length of the windows predict (and validation) score, in seconds; null = the crop. The
    /// network pools over time, so it can score windows longer than it was trained on: its max and mean then see more
    /// of the clip at once.</summary>
    public double? ScoringWindowSeconds { get; init; }

    /// <summary>Distillation (with a teacher model, <c>model --teacher</c>): the temperature T both the teacher's
    /// probabilities and the student's logits are softened by in the distillation term; 1 = as they are. Without a
    /// teacher it does nothing.</summary>
    public double DistillTemperature { get; init; } = DefaultDistillTemperature;

    /// <summary>Distillation: the share α of the loss that is the teacher's, α·T²·CE(teacher_T, student_T), beside
    /// (1 − α)·CE(labels, student); 0 = the labels alone. Without a teacher it does nothing.</summary>
    public double DistillWeight { get; init; } = DefaultDistillWeight;

    /// <summary>Chosen on corpus-dev's checked-label validation split (docs/recipes-and-results.md, distillation).</summary>
    public const double DefaultDistillTemperature = 2;

    /// <inheritdoc cref="DefaultDistillTemperature"/>
    public const double DefaultDistillWeight = 0.7;

    /// <summary>Which epoch's weights the model file holds: the last (the original) or the one with the highest
    /// validation MAP@3 (<see cref="KeepEpoch.Best"/>; needs a validation set).</summary>
    public KeepEpoch Keep { get; init; } = KeepEpoch.Last;

    /// <summary>Early stopping: end the run once this many epochs in a row bring no higher validation MAP@3; 0 = off
    /// (needs a validation set).</summary>
    public int Patience { get; init; }

    /// <summary>Whether the run holds rows out for validation (a fraction or a fold).</summary>
    public bool Validates => Folds >= 2 || ValidationFraction > 0;

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

    /// <summary>The settings of a run of network <paramref name="variant"/> (holding out fold <paramref name="fold"/>
    /// with --folds) in words, e.g. "cnn_2d_vgg, 40 epochs, batch 64, Adam 0.001 cosine, crop 2 s, mixup 0.4".</summary>
    public string Describe(string variant, int fold = 0)
    {
        var parts = new List<string> { variant, $"{Epochs} epochs", $"batch {BatchSize}", $"Adam {LearningRate:G4} {IO.EnumSpelling.Spell(Schedule)}" };
        if (Bucket) parts.Add("length-bucketed");
        if (CropSeconds is { } crop) parts.Add($"crop {crop:G4} s");
        if (MixupAlpha > 0) parts.Add($"mixup {MixupAlpha:G4}");
        if (SpecAugment.Enabled) parts.Add($"masks {SpecAugment.TimeMasks}x{SpecAugment.TimeMaskFrames} frames + {SpecAugment.FrequencyMasks}x{SpecAugment.FrequencyMaskBands} bands");
        if (Degradations.Enabled) parts.Add($"degraded: {Degradations.Describe()}");
        if (UnverifiedWeight < 1) parts.Add($"unverified weight {UnverifiedWeight:G4}");
        if (BandShift > 0) parts.Add($"band shifts ±{BandShift}");
        if (LabelSmoothing > 0) parts.Add($"label smoothing {LabelSmoothing:G4}");
        if (EmaDecay > 0) parts.Add($"weight average {EmaDecay:G4}");
        if (TtaBandShifts > 0) parts.Add($"scored at band shifts 0..±{TtaBandShifts}");
        if (CropSeconds is not null && ScoringWindowSeconds is { } window) parts.Add($"scored on {window:G4} s windows");
        if (CropSeconds is not null && WindowsPerCrop != 2) parts.Add($"{WindowsPerCrop} windows per crop");
        if (Members >= 2) parts.Add($"{Members} members");
        if (Folds >= 2) parts.Add($"fold {fold + 1}/{Folds}");
        else if (ValidationFraction > 0) parts.Add(ValidateVerifiedOnly ? $"validation {ValidationFraction:G4} of verified rows" : $"validation {ValidationFraction:G4}");
        if (Keep == KeepEpoch.Best) parts.Add("keep best");
        if (Patience > 0) parts.Add($"patience {Patience}");
        if (Seed is { } seed) parts.Add($"seed {seed}");
        return string.Join(", ", parts);
    }

    /// <summary>Every value outside its option's rule (<see cref="TrainingOptionTable"/>) and every combination that
    /// does not work, all at once; empty when the options can train.</summary>
    public IReadOnlyList<string> Problems()
    {
        var p = new List<string>();
        foreach (var option in TrainingOptionTable.All)
            if (option.Problem(this) is { } problem) p.Add(problem);
        if (!(AdamEpsilon > 0)) p.Add($"Adam epsilon must be positive (got {AdamEpsilon})");
        if (Threads < 1) p.Add($"threads must be at least 1 (got {Threads})");
        if (ScoringWindowSeconds is not null && CropSeconds is null) p.Add("--score-window needs --crop (without crops predict scores whole clips)");
        if (Degradations.Enabled && CropSeconds is null) p.Add($"recording degradations ({Degradations.Describe()}) need --crop (whole padded rows would degrade their padding)");
        if (CropSeconds is not null && Bucket) p.Add("crops and --bucket do not combine (crops already fix each batch's length)");
        if (Members >= 2 && Folds >= 2) p.Add("--members and --folds do not combine (train the folds, then predict with all of them)");
        if (Folds >= 2 && ValidationFraction > 0) p.Add("--folds and --val-fraction do not combine (each fold is the validation set of its model)");
        if (ValidateVerifiedOnly && Folds >= 2) p.Add("--val-verified-only and --folds do not combine (every row is in some fold's validation set)");
        else if (ValidateVerifiedOnly && ValidationFraction == 0) p.Add("--val-verified-only needs --val-fraction F (the share of each class's verified rows to hold out)");
        if (Patience is < 0 or > 100_000) p.Add($"patience must be 0 (off) or a positive number of epochs (got {Patience})");
        if (!Validates && Keep == KeepEpoch.Best) p.Add("--keep best needs a validation set: add --val-fraction F or --folds K");
        if (!Validates && Patience > 0) p.Add("--patience needs a validation set: add --val-fraction F or --folds K");
        return p;
    }
}
