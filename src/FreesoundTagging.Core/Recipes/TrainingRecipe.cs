using System.Text.Json;
using System.Text.Json.Nodes;
using FreesoundTagging.Features;

namespace FreesoundTagging.Recipes;

/// <summary>
/// Training option values to apply over others, by name (<see cref="BuiltIn"/>), from a JSON file whose keys are the
/// command line's option names without dashes (<c>{"epochs": 80, "crop": 1.28, "schedule": "cosine"}</c>), or as typed
/// on the command line. A run's options are the defaults, then the named recipe, then what was typed. Options a
/// recipe leaves out keep the values under it. The variant is not part of a recipe: it is the command's first argument.
/// </summary>
public sealed class TrainingRecipe
{
    // Option name → value, of the option's type; only the options the recipe sets.
    private readonly IReadOnlyDictionary<string, object?> _values;

    private TrainingRecipe(IReadOnlyDictionary<string, object?> values) => _values = values;

    /// <summary>The recipe that sets these options to these values (each value of its option's type).</summary>
    public static TrainingRecipe Of(IEnumerable<(TrainingOption Option, object? Value)> values) =>
        new(values.ToDictionary(v => v.Option.Name, v => v.Value, StringComparer.Ordinal));

    /// <summary>The recipe that sets every option <paramref name="change"/> moves away from the defaults.</summary>
    public static TrainingRecipe Of(Func<TrainingOptions, TrainingOptions> change)
    {
        var defaults = new TrainingOptions();
        var changed = change(defaults);
        return Of(TrainingOptionTable.All.Where(o => !Equals(o.ValueIn(changed), o.ValueIn(defaults))).Select(o => (o, o.ValueIn(changed))));
    }

    /// <summary>The recipe is meant to distil (<see cref="Distilled"/>): run without <c>--teacher</c> it would train on
    /// the labels alone, so the command refuses it. A recipe built from this one with <see cref="Then"/> does not inherit it.</summary>
    public bool NeedsTeacher { get; private init; }

    /// <summary>This recipe's values, as a recipe that needs a teacher (<see cref="NeedsTeacher"/>).</summary>
    private TrainingRecipe NeedingTeacher() => new(_values) { NeedsTeacher = true };

    /// <summary>This recipe, then <paramref name="change"/> over it.</summary>
    public TrainingRecipe Then(Func<TrainingOptions, TrainingOptions> change) => Of(o => change(Apply(o)));

    /// <summary>The names of the options this recipe sets, in the table's order.</summary>
    public IReadOnlyList<string> Keys => [.. TrainingOptionTable.All.Where(o => _values.ContainsKey(o.Name)).Select(o => o.Name)];

    /// <summary>The recipe's values over <paramref name="options"/> (values it leaves out are unchanged).</summary>
    public TrainingOptions Apply(TrainingOptions options) =>
        TrainingOptionTable.All.Where(o => _values.ContainsKey(o.Name)).Aggregate(options, (applied, o) => o.With(applied, _values[o.Name]));

    /// <summary>The original model.py recipe: today's defaults, nothing changed.</summary>
    public static TrainingRecipe Original { get; } = Of([]);

    /// <summary>The recipe chosen on corpus-dev's validation split (docs/training.md): VGG-style networks on 1.28 s
    /// crops, cosine schedule, batch 32, 80 epochs, mixup 0.4 and SpecAugment masks.</summary>
    public static TrainingRecipe Deep { get; } = Of(o => o with
    {
        CropSeconds = 1.28, Schedule = LearningRateSchedule.Cosine, Epochs = 80, BatchSize = 32, MixupAlpha = 0.4,
        SpecAugment = new SpecAugmentOptions(TimeMasks: 2, TimeMaskFrames: 12, FrequencyMasks: 2, FrequencyMaskBands: 8),
    });

    /// <summary>The strongest recipe for a 15-minute budget on a 2-core CPU (docs/recipes-and-results.md): the deep
    /// recipe's network trained three times with different seeds into one ensemble file, scored on 5.12 s windows
    /// (four training crops) every 2.56 s, each window also shifted one mel band up and down, on the features
    /// <see cref="BestLogOffset"/> describes. Chosen on validation splits of corpus-dev's training clips: three
    /// members because triples beat pairs there (MAP@3 0.938 against 0.934 over six seeds), which the channels-last
    /// step (1.4x) made affordable; 80 epochs each because 55, 70 and 160 validated worse. Each training crop is also
    /// degraded as recordings are (<see cref="BestDegradationProbability"/>).</summary>
    public static TrainingRecipe Best { get; } = Deep.Then(o => o with
    {
        Members = 3, TtaBandShifts = 1, ScoringWindowSeconds = 5.12,
        Degradations = new RecordingDegradations(BestDegradationProbability, BestDegradationProbability, BestDegradationProbability,
            BestDegradationProbability, BestDegradationProbability),
    });

    /// <summary>The best recipe's probability of each recording degradation per example. Chosen on the degraded
    /// checked-label validation split (tests/Benchmarks/robustness-ablation.sh): 0.15 kept the clean MAP@3 of
    /// single networks within a clip of none (0.930 against 0.938) and halved the loss to degraded clips (gap 0.030
    /// against 0.067); 0.3 and 0.5 cost 0.03 clean, and 0.3 over 120 epochs did no better clean at 1.5x the time.</summary>
    public const double BestDegradationProbability = 0.15;

    /// <summary>The features the best recipe was chosen on: ln(mel / the clip's peak + 1e-6) (<see cref="BestLogReference"/>,
    /// <see cref="BestLogOffset"/>) over mel bands from 20 Hz (<see cref="BestFMinHz"/>) to 16 kHz
    /// (<see cref="BestFMaxHz"/>), from <c>inputs --log-reference clip-peak --log-offset 1e-6 --fmin 20 --fmax 16000</c>,
    /// the rest inputs' defaults. Features belong to <c>inputs</c>, so the recipe cannot set them; model warns.</summary>
    public const double BestLogOffset = 1e-6;

    /// <inheritdoc cref="BestLogOffset"/>
    public const LogReference BestLogReference = Features.LogReference.ClipPeak;

    /// <inheritdoc cref="BestLogOffset"/>
    public const double BestFMinHz = 20;

    /// <inheritdoc cref="BestLogOffset"/>
    public const double BestFMaxHz = 16000;

    /// <summary>A warning for a built-in recipe run on features other than those it was chosen on, else null.</summary>
    public static string? FeatureWarning(string? recipeName, FeatureConfig features)
    {
        if (recipeName is not ("best" or "distilled")) return null;
        var made = new List<string>();
        if (features.LogReference != BestLogReference) made.Add($"--log-reference {OptionValue(features.LogReference)}");
        if (features.LogOffset != BestLogOffset) made.Add($"--log-offset {FeatureConfig.FormatLogOffset(features.LogOffset)}");
        if (features.FMinHz != BestFMinHz) made.Add(FormattableString.Invariant($"--fmin {features.FMinHz:G6}"));
        if (features.FMaxHz != BestFMaxHz) made.Add(FormattableString.Invariant($"--fmax {features.FMaxHz:G6}"));
        return made.Count == 0 ? null
            : FormattableString.Invariant($"the best recipe was chosen on features made with `inputs --log-reference {OptionValue(BestLogReference)} --log-offset {FeatureConfig.FormatLogOffset(BestLogOffset)} --fmin {BestFMinHz:G6} --fmax {BestFMaxHz:G6}`; these were made with {string.Join(" ", made)}");
    }

    private static string OptionValue(LogReference reference) => reference == LogReference.ClipPeak ? "clip-peak" : "absolute";

    /// <summary>One network trained towards a teacher's probabilities (<c>model --teacher best.fstmodel</c>) as well as the
    /// labels: the best recipe's network, crops, augmentation and degradations, without its members and test-time band
    /// shifts, for 240 epochs, scored on windows of its 1.28 s crop. Chosen on corpus-dev's checked-label validation
    /// split with a best-recipe teacher trained on the split's training rows (docs/recipes-and-results.md,
    /// distillation): temperature 2 and weight 0.7 (<see cref="TrainingOptions.DefaultDistillTemperature"/>) scored
    /// 0.926 against 0.907 for the labels alone at 80 epochs, and 0.938 at 120 (the teacher: 0.935); two student seeds
    /// averaged 0.941 at 240 epochs against 0.935 at 120 (the teacher there: 0.939); the crop's windows scored as 5.12 s
    /// ones, at a quarter of the frames for short clips; band shifts did not help a distilled network.</summary>
    public static TrainingRecipe Distilled { get; } =
        Best.Then(o => o with { Members = 1, TtaBandShifts = 0, ScoringWindowSeconds = null, Epochs = 240 }).NeedingTeacher();

    /// <summary>The named recipes --recipe takes; a new one is one more entry.</summary>
    public static IReadOnlyDictionary<string, TrainingRecipe> BuiltIn { get; } = new Dictionary<string, TrainingRecipe>(StringComparer.Ordinal)
    {
        ["original"] = Original,
        ["deep"] = Deep,
        ["best"] = Best,
        ["distilled"] = Distilled,
    };

    private static readonly JsonSerializerOptions Json = new()
    {
        ReadCommentHandling = JsonCommentHandling.Skip,
        AllowTrailingCommas = true,
    };

    private static readonly JsonDocumentOptions Document = new() { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };

    /// <summary>The largest recipe file read: a recipe is a few dozen keys, so anything near this is not one (and
    /// /dev/zero or a FIFO is refused before it is opened).</summary>
    public const long MaxFileBytes = 1 << 20;

    /// <summary>A built-in recipe by name, or else a recipe file at that path.</summary>
    /// <exception cref="InvalidInputException">Neither a known name nor a readable, valid recipe file; every value
    /// outside its option's rule is named ("epochs": must be 1 to 1000000 epochs (got 1000000000)).</exception>
    public static TrainingRecipe Resolve(string nameOrPath)
    {
        if (BuiltIn.TryGetValue(nameOrPath, out var recipe)) return recipe;
        if (!IO.FileStatus.Of(nameOrPath).Exists)
            throw new InvalidInputException(IO.RegularFile.TooLong(nameOrPath) ?? $"is neither a recipe name ({string.Join(", ", BuiltIn.Keys)}) nor a recipe file", nameOrPath);
        string text = IO.RegularFile.ReadAllText(nameOrPath, "a recipe file", MaxFileBytes);
        var values = new List<(TrainingOption, object?)>();
        var problems = new List<string>();
        try
        {
            if (JsonNode.Parse(text, documentOptions: Document) is not JsonObject file)
                throw new InvalidInputException("not a valid recipe file (a recipe is a JSON object of option names without dashes, e.g. \"epochs\", \"crop\")", nameOrPath);
            foreach (var (key, node) in file)
            {
                var option = TrainingOptionTable.Find(key)
                    ?? throw new InvalidInputException($"not a valid recipe file (no option is named '{key}'; keys are option names without dashes, e.g. \"epochs\", \"crop\")", nameOrPath);
                var (value, problem) = option.Read(node, Json);
                if (problem is not null) problems.Add($"\"{key}\": {problem}");
                else if (node is not null) values.Add((option, value));
            }
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
        if (problems.Count > 0) throw new InvalidInputException(string.Join("; ", problems), nameOrPath);
        return Of(values);
    }

    /// <summary>The recipe as a recipe file would hold it.</summary>
    public string ToJson()
    {
        var file = new JsonObject();
        foreach (var option in TrainingOptionTable.All.Where(o => _values.ContainsKey(o.Name)))
        {
            object? value = _values[option.Name];
            file[option.Name] = value is Enum ? JsonValue.Create(option.Format(value)) : JsonSerializer.SerializeToNode(value, option.ValueType);
        }
        return file.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
