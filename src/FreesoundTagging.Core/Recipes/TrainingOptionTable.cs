namespace FreesoundTagging.Recipes;

/// <summary>
/// Every option a recipe can set, in the order --help lists them: a new option is a property of
/// <see cref="TrainingOptions"/> and one entry here. The machine's settings (device, threads) are not here: they say
/// where a run goes, not what it trains, so no recipe carries them.
/// </summary>
public static class TrainingOptionTable
{
    public static IReadOnlyList<TrainingOption> All { get; } =
    [
        new TrainingOption<int>("epochs", "Passes over the data",
            o => o.Epochs, (o, v) => o with { Epochs = v }, ValueRule.Between(1, 1_000_000, "epochs")),
        new TrainingOption<int>("batch-size", "Clips per step",
            o => o.BatchSize, (o, v) => o with { BatchSize = v }, ValueRule.Between(1, 65_536, "clips")),
        new TrainingOption<double>("lr", "Adam learning rate",
            o => o.LearningRate, (o, v) => o with { LearningRate = v }, ValueRule.Positive()),
        new TrainingOption<int?>("seed", "Makes initialisation, dropout, shuffling and augmentation reproducible (the same on CPU and GPU up to float rounding)",
            o => o.Seed, (o, v) => o with { Seed = v }),
        new TrainingOption<double>("val-fraction", "Share held out (stratified) to report validation loss, accuracy and MAP@3 each epoch",
            o => o.ValidationFraction, (o, v) => o with { ValidationFraction = v }, ValueRule.NumberBetween(0, 1, maxExclusive: true)),
        new TrainingOption<bool>("val-verified-only", "Hold out validation rows only among those whose label is manually_verified (--val-fraction is then of each class's verified rows): unverified labels may be wrong",
            o => o.ValidateVerifiedOnly, (o, v) => o with { ValidateVerifiedOnly = v }),
        new TrainingOption<bool>("bucket", "Batch clips of similar length and crop each batch to its longest clip (faster)",
            o => o.Bucket, (o, v) => o with { Bucket = v }),
        new TrainingOption<double?>("crop", "Train on a random crop of this many seconds of each clip (short clips looped); predict then averages sliding windows",
            o => o.CropSeconds, (o, v) => o with { CropSeconds = v }, ValueRule.PositiveAtMost(600, "seconds")),
        new TrainingOption<double>("mixup", "Mixup alpha: blend examples and their labels, weight ~ Beta(alpha, alpha); 0 = off",
            o => o.MixupAlpha, (o, v) => o with { MixupAlpha = v }, ValueRule.NumberBetween(0, 100)),
        new TrainingOption<int>("time-masks", "SpecAugment: time masks per example",
            o => o.SpecAugment.TimeMasks, (o, v) => o with { SpecAugment = o.SpecAugment with { TimeMasks = v } }, ValueRule.Between(0, 100)),
        new TrainingOption<int>("time-mask-frames", "SpecAugment: widest time mask, in frames",
            o => o.SpecAugment.TimeMaskFrames, (o, v) => o with { SpecAugment = o.SpecAugment with { TimeMaskFrames = v } }, ValueRule.Between(0, 100_000)),
        new TrainingOption<int>("freq-masks", "SpecAugment: frequency masks per example",
            o => o.SpecAugment.FrequencyMasks, (o, v) => o with { SpecAugment = o.SpecAugment with { FrequencyMasks = v } }, ValueRule.Between(0, 100)),
        new TrainingOption<int>("freq-mask-bands", "SpecAugment: widest frequency mask, in mel bands",
            o => o.SpecAugment.FrequencyMaskBands, (o, v) => o with { SpecAugment = o.SpecAugment with { FrequencyMaskBands = v } }, ValueRule.Between(0, 100_000)),
        new TrainingOption<double>("unverified-weight", "Loss weight of rows whose label is not manually_verified (verified rows weigh 1)",
            o => o.UnverifiedWeight, (o, v) => o with { UnverifiedWeight = v }, ValueRule.NumberBetween(0, 1)),
        new TrainingOption<LearningRateSchedule>("schedule", "Learning rate: constant (the original) or cosine (decays to 0 over the run)",
            o => o.Schedule, (o, v) => o with { Schedule = v }, ValueRule.OneOf<LearningRateSchedule>()),
        new TrainingOption<int>("folds", "K-fold cross-validation: train K models (<save_name> → name.foldN.ext), report mean ± std validation MAP@3",
            o => o.Folds, (o, v) => o with { Folds = v }, new(k => k == 0 || (k >= 2 && k <= 100), "must be 0 (none) or 2 to 100")),
        new TrainingOption<KeepEpoch>("keep", "Weights to save: last (the last epoch's) or best (highest validation MAP@3; needs --val-fraction or --folds)",
            o => o.Keep, (o, v) => o with { Keep = v }, ValueRule.OneOf<KeepEpoch>()),
        new TrainingOption<int>("patience", "Stop once this many epochs bring no higher validation MAP@3 (needs --val-fraction or --folds); 0 = off",
            o => o.Patience, (o, v) => o with { Patience = v }),
        new TrainingOption<int>("members", "Train this many networks with different seeds (on the CPU side by side, up to --threads at a time) and save them as one ensemble file; predict averages them",
            o => o.Members, (o, v) => o with { Members = v }, ValueRule.Between(1, TrainingOptions.MaxMembers, "networks")),
        new TrainingOption<double>("label-smoothing", "Label smoothing: targets (1 - e)*y + e/classes; 0 = off",
            o => o.LabelSmoothing, (o, v) => o with { LabelSmoothing = v }, ValueRule.NumberBetween(0, 1, maxExclusive: true)),
        new TrainingOption<int>("windows-per-crop", "With --crop: windows predict scores per window length (they slide by window/N); more = test-time augmentation over offsets",
            o => o.WindowsPerCrop, (o, v) => o with { WindowsPerCrop = v }, ValueRule.Between(1, 64, "windows")),
        new TrainingOption<double?>("score-window", "With --crop: the length in seconds of the windows predict scores (default: the crop); longer windows let the network's pooling see more of the clip",
            o => o.ScoringWindowSeconds, (o, v) => o with { ScoringWindowSeconds = v }, ValueRule.PositiveAtMost(600, "seconds")),
        new TrainingOption<double>("ema", "Save an exponential moving average of the weights, this decay per step (e.g. 0.995); 0 = off",
            o => o.EmaDecay, (o, v) => o with { EmaDecay = v }, ValueRule.NumberBetween(0, 1, maxExclusive: true)),
        new TrainingOption<int>("band-shift", "Shift each training example up or down the mel axis by up to this many bands (rough pitch shift); 0 = off",
            o => o.BandShift, (o, v) => o with { BandShift = v }, ValueRule.Between(0, 64, "bands")),
        new TrainingOption<int>("tta-shifts", $"Test-time augmentation saved in the model: predict also scores each input shifted by 1 to K mel bands up and down and averages (0 to {TrainingOptions.MaxTtaBandShifts}); 0 = off",
            o => o.TtaBandShifts, (o, v) => o with { TtaBandShifts = v }, ValueRule.Between(0, TrainingOptions.MaxTtaBandShifts, "bands")),
        new TrainingOption<double>("background", "Recording degradation: probability per example of 1-3 other batch examples mixed in 0-20 dB below (label kept); needs --crop",
            o => o.Degradations.Background, (o, v) => o with { Degradations = o.Degradations with { Background = v } }, ValueRule.NumberBetween(0, 1)),
        new TrainingOption<double>("reverb", "Recording degradation: probability per example of a simulated room (RT60 0.2-2 s); needs --crop",
            o => o.Degradations.Reverb, (o, v) => o with { Degradations = o.Degradations with { Reverb = v } }, ValueRule.NumberBetween(0, 1)),
        new TrainingOption<double>("random-filter", "Recording degradation: probability per example of a random EQ within ±6 dB, half of them low-passed at 2.5-12 kHz; needs --crop",
            o => o.Degradations.RandomFilter, (o, v) => o with { Degradations = o.Degradations with { RandomFilter = v } }, ValueRule.NumberBetween(0, 1)),
        new TrainingOption<double>("noise", "Recording degradation: probability per example of white-to-brown noise at 0-25 dB SNR; needs --crop",
            o => o.Degradations.Noise, (o, v) => o with { Degradations = o.Degradations with { Noise = v } }, ValueRule.NumberBetween(0, 1)),
        new TrainingOption<double>("dc-offset", "Recording degradation: probability per example of a DC offset's power in the lowest bands; needs --crop",
            o => o.Degradations.DcOffset, (o, v) => o with { Degradations = o.Degradations with { DcOffset = v } }, ValueRule.NumberBetween(0, 1)),
        new TrainingOption<double>("distill-temperature", "With --teacher: temperature T softening the teacher's probabilities and the network's in the distillation term (1 = as they are)",
            o => o.DistillTemperature, (o, v) => o with { DistillTemperature = v }, ValueRule.NumberBetween(1, 100)) { NeedsTeacher = true },
        new TrainingOption<double>("distill-weight", "With --teacher: share of the loss that follows the teacher (the rest follows the labels); 0 = labels only",
            o => o.DistillWeight, (o, v) => o with { DistillWeight = v }, ValueRule.NumberBetween(0, 1)) { NeedsTeacher = true },
    ];

    /// <summary>The option named <paramref name="name"/> (without dashes), or null.</summary>
    public static TrainingOption? Find(string name) => All.FirstOrDefault(o => o.Name == name);
}
