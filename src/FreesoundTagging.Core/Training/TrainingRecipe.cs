using System.Text.Json;
using System.Text.Json.Serialization;

namespace FreesoundTagging.Training;

/// <summary>
/// A set of training options to start from, by name (<see cref="BuiltIn"/>) or from a JSON file whose keys are the
/// command line's option names without dashes (<c>{"epochs": 80, "crop": 1.28, "schedule": "cosine"}</c>). Options
/// it leaves out keep their defaults; options typed on the command line override it (the command line is applied as
/// a second recipe). The variant is not part of a recipe: it is the command's first argument.
/// </summary>
public sealed record TrainingRecipe
{
    [JsonPropertyName("epochs")] public int? Epochs { get; init; }
    [JsonPropertyName("batch-size")] public int? BatchSize { get; init; }
    [JsonPropertyName("lr")] public double? LearningRate { get; init; }
    [JsonPropertyName("val-fraction")] public double? ValidationFraction { get; init; }
    [JsonPropertyName("val-verified-only")] public bool? ValidateVerifiedOnly { get; init; }
    [JsonPropertyName("bucket")] public bool? Bucket { get; init; }
    [JsonPropertyName("crop")] public double? CropSeconds { get; init; }
    [JsonPropertyName("mixup")] public double? MixupAlpha { get; init; }
    [JsonPropertyName("time-masks")] public int? TimeMasks { get; init; }
    [JsonPropertyName("time-mask-frames")] public int? TimeMaskFrames { get; init; }
    [JsonPropertyName("freq-masks")] public int? FrequencyMasks { get; init; }
    [JsonPropertyName("freq-mask-bands")] public int? FrequencyMaskBands { get; init; }
    [JsonPropertyName("unverified-weight")] public double? UnverifiedWeight { get; init; }
    [JsonPropertyName("schedule")] public string? Schedule { get; init; }
    [JsonPropertyName("folds")] public int? Folds { get; init; }
    [JsonPropertyName("keep")] public string? Keep { get; init; }
    [JsonPropertyName("patience")] public int? Patience { get; init; }
    [JsonPropertyName("seed")] public int? Seed { get; init; }
    [JsonPropertyName("members")] public int? Members { get; init; }
    [JsonPropertyName("label-smoothing")] public double? LabelSmoothing { get; init; }
    [JsonPropertyName("windows-per-crop")] public int? WindowsPerCrop { get; init; }
    [JsonPropertyName("score-window")] public double? ScoringWindowSeconds { get; init; }
    [JsonPropertyName("band-shift")] public int? BandShift { get; init; }
    [JsonPropertyName("tta-shifts")] public int? TtaBandShifts { get; init; }
    [JsonPropertyName("ema")] public double? EmaDecay { get; init; }

    /// <summary>The original model.py recipe: today's defaults, nothing changed.</summary>
    public static TrainingRecipe Original { get; } = new();

    /// <summary>The recipe chosen on corpus-dev's validation split (docs/training.md): VGG-style networks on 1.28 s
    /// crops, cosine schedule, batch 32, 80 epochs, mixup 0.4 and SpecAugment masks.</summary>
    public static TrainingRecipe Deep { get; } = new()
    {
        CropSeconds = 1.28, Schedule = LearningRateSchedule.Cosine, Epochs = 80, BatchSize = 32, MixupAlpha = 0.4,
        TimeMasks = 2, TimeMaskFrames = 12, FrequencyMasks = 2, FrequencyMaskBands = 8,
    };

    /// <summary>The strongest recipe for a 15-minute budget on a 2-core CPU (docs/recipes-and-results.md): the deep
    /// recipe's network trained three times with different seeds into one ensemble file, scored on 5.12 s windows
    /// (four training crops) every 2.56 s, each window also shifted one mel band up and down, on the features
    /// <see cref="BestLogOffset"/> describes. Chosen on validation splits of corpus-dev's training clips: three
    /// members because triples beat pairs there (MAP@3 0.938 against 0.934 over six seeds), which the channels-last
    /// step (1.4x) made affordable; 80 epochs each because 55, 70 and 160 validated worse.</summary>
    public static TrainingRecipe Best { get; } = Deep with { Members = 3, TtaBandShifts = 1, ScoringWindowSeconds = 5.12 };

    /// <summary>The features the best recipe was chosen on: ln(mel / the clip's peak + 1e-6) (<see cref="BestLogReference"/>,
    /// <see cref="BestLogOffset"/>) over mel bands from 20 Hz (<see cref="BestFMinHz"/>) to 16 kHz
    /// (<see cref="BestFMaxHz"/>), from <c>inputs --log-reference clip-peak --log-offset 1e-6 --fmin 20 --fmax 16000</c>,
    /// the rest inputs' defaults. Features belong to <c>inputs</c>, so the recipe cannot set them; model warns.</summary>
    public const double BestLogOffset = 1e-6;

    /// <inheritdoc cref="BestLogOffset"/>
    public const Features.LogReference BestLogReference = Features.LogReference.ClipPeak;

    /// <inheritdoc cref="BestLogOffset"/>
    public const double BestFMinHz = 20;

    /// <inheritdoc cref="BestLogOffset"/>
    public const double BestFMaxHz = 16000;

    /// <summary>A warning for a built-in recipe run on features other than those it was chosen on, else null.</summary>
    public static string? FeatureWarning(string? recipeName, Features.FeatureConfig features)
    {
        if (recipeName != "best") return null;
        var made = new List<string>();
        if (features.LogReference != BestLogReference) made.Add($"--log-reference {OptionValue(features.LogReference)}");
        if (features.LogOffset != BestLogOffset) made.Add($"--log-offset {Features.FeatureConfig.FormatLogOffset(features.LogOffset)}");
        if (features.FMinHz != BestFMinHz) made.Add(FormattableString.Invariant($"--fmin {features.FMinHz:G6}"));
        if (features.FMaxHz != BestFMaxHz) made.Add(FormattableString.Invariant($"--fmax {features.FMaxHz:G6}"));
        return made.Count == 0 ? null
            : FormattableString.Invariant($"the best recipe was chosen on features made with `inputs --log-reference {OptionValue(BestLogReference)} --log-offset {Features.FeatureConfig.FormatLogOffset(BestLogOffset)} --fmin {BestFMinHz:G6} --fmax {BestFMaxHz:G6}`; these were made with {string.Join(" ", made)}");
    }

    private static string OptionValue(Features.LogReference reference) => reference == Features.LogReference.ClipPeak ? "clip-peak" : "absolute";

    /// <summary>The named recipes --recipe takes; a new one is one more entry.</summary>
    public static IReadOnlyDictionary<string, TrainingRecipe> BuiltIn { get; } = new Dictionary<string, TrainingRecipe>(StringComparer.Ordinal)
    {
        ["original"] = Original,
        ["deep"] = Deep,
        ["best"] = Best,
    };

    /// <summary>The one JSON policy (<see cref="IO.JsonFormat"/>: enumeration values as typed on the command line),
    /// except that the keys are the option names themselves and a recipe lists only what it sets.</summary>
    private static readonly JsonSerializerOptions Json = new(IO.JsonFormat.Options)
    {
        NumberHandling = JsonNumberHandling.Strict,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    /// <summary>The largest recipe file read: a recipe is a few dozen keys, so anything near this is not one (and
    /// /dev/zero or a FIFO is refused before it is opened).</summary>
    public const long MaxFileBytes = 1 << 20;

    /// <summary>A built-in recipe by name, or else a recipe file at that path.</summary>
    /// <exception cref="InvalidInputException">Neither a known name nor a readable, valid recipe file.</exception>
    public static TrainingRecipe Resolve(string nameOrPath)
    {
        if (BuiltIn.TryGetValue(nameOrPath, out var recipe)) return recipe;
        if (!IO.FileStatus.Of(nameOrPath).Exists)
            throw new InvalidInputException(IO.RegularFile.TooLong(nameOrPath) ?? $"is neither a recipe name ({string.Join(", ", BuiltIn.Keys)}) nor a recipe file", nameOrPath);
        string text = IO.RegularFile.ReadAllText(nameOrPath, "a recipe file", MaxFileBytes);
        try
        {
            recipe = JsonSerializer.Deserialize<TrainingRecipe>(text, Json) ?? throw new InvalidInputException("recipe file is empty (null)", nameOrPath);
        }
        catch (JsonException e)
        {
            throw new InvalidInputException($"not a valid recipe file ({e.Message.Split(" Path:")[0].Split('\n')[0].TrimEnd('.')}; keys are option names without dashes, e.g. \"epochs\", \"crop\")", nameOrPath, e);
        }
        catch (Exception e) when (e is FormatException or OverflowException or InvalidOperationException)
        {
            // A converter may refuse a value in its own words rather than as a JsonException: still a bad file, not a bug.
            throw new InvalidInputException($"not a valid recipe file ({e.Message.Split('\n')[0].TrimEnd('.')})", nameOrPath, e);
        }
        // The reader turns 1e400 into infinity rather than failing; no option takes an infinite value.
        foreach (var property in typeof(TrainingRecipe).GetProperties())
        {
            if (property.GetValue(recipe) is double value && !double.IsFinite(value))
                throw new InvalidInputException($"\"{property.GetCustomAttributes(typeof(JsonPropertyNameAttribute), false).Cast<JsonPropertyNameAttribute>().Single().Name}\": must be a finite number (got a number too large for a double)", nameOrPath);
        }
        return recipe;
    }

    /// <summary>The recipe without the values of these keys (option names without dashes), e.g. those typed on the
    /// command line, which override it.</summary>
    public TrainingRecipe Without(IEnumerable<string> keys)
    {
        var json = System.Text.Json.Nodes.JsonNode.Parse(ToJson())!.AsObject();
        foreach (string key in keys) json.Remove(key);
        return json.Deserialize<TrainingRecipe>(Json)!;
    }

    /// <summary>The recipe as a recipe file would hold it.</summary>
    public string ToJson() => JsonSerializer.Serialize(this, Json);

    /// <summary>The recipe's values over <paramref name="options"/> (values it leaves out are unchanged).</summary>
    public TrainingOptions Apply(TrainingOptions options) => options with
    {
        Epochs = Epochs ?? options.Epochs,
        BatchSize = BatchSize ?? options.BatchSize,
        LearningRate = LearningRate ?? options.LearningRate,
        ValidationFraction = ValidationFraction ?? options.ValidationFraction,
        ValidateVerifiedOnly = ValidateVerifiedOnly ?? options.ValidateVerifiedOnly,
        Bucket = Bucket ?? options.Bucket,
        CropSeconds = CropSeconds ?? options.CropSeconds,
        MixupAlpha = MixupAlpha ?? options.MixupAlpha,
        SpecAugment = new SpecAugmentOptions(TimeMasks ?? options.SpecAugment.TimeMasks, TimeMaskFrames ?? options.SpecAugment.TimeMaskFrames,
            FrequencyMasks ?? options.SpecAugment.FrequencyMasks, FrequencyMaskBands ?? options.SpecAugment.FrequencyMaskBands),
        UnverifiedWeight = UnverifiedWeight ?? options.UnverifiedWeight,
        Schedule = Schedule ?? options.Schedule,
        Folds = Folds ?? options.Folds,
        Keep = Keep ?? options.Keep,
        Patience = Patience ?? options.Patience,
        Seed = Seed ?? options.Seed,
        Members = Members ?? options.Members,
        LabelSmoothing = LabelSmoothing ?? options.LabelSmoothing,
        WindowsPerCrop = WindowsPerCrop ?? options.WindowsPerCrop,
        ScoringWindowSeconds = ScoringWindowSeconds ?? options.ScoringWindowSeconds,
        EmaDecay = EmaDecay ?? options.EmaDecay,
        BandShift = BandShift ?? options.BandShift,
        TtaBandShifts = TtaBandShifts ?? options.TtaBandShifts,
    };
}
