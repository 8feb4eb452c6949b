using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using FreesoundTagging.IO;

namespace FreesoundTagging.Recipes;

/// <summary>
/// One training option, declared once (<see cref="TrainingOptionTable"/>): its name (typed with two dashes on the
/// command line, without them as a recipe file's key), what it does, the values it takes, and where its value lives
/// in <see cref="TrainingOptions"/>. The command line's option, the recipe files' key and the check in
/// <see cref="TrainingOptions.Problems"/> all come from it.
/// </summary>
public abstract class TrainingOption
{
    private protected TrainingOption(string name, string help)
    {
        Name = name;
        Help = help;
    }

    /// <summary>"epochs": <c>--epochs</c> on the command line, <c>"epochs"</c> in a recipe file.</summary>
    public string Name { get; }

    /// <summary>One line for --help.</summary>
    public string Help { get; }

    /// <summary>The option shapes distillation only (<c>--distill-weight</c>): typed without <c>--teacher</c>, it would
    /// change nothing, so the command refuses it.</summary>
    public bool NeedsTeacher { get; init; }

    /// <summary>The value's type in <see cref="TrainingOptions"/> (an enumeration's options are typed as its names).</summary>
    public abstract Type ValueType { get; }

    /// <summary>The names an enumeration option takes ("constant", "cosine"), else null.</summary>
    public abstract IReadOnlyList<string>? Names { get; }

    /// <summary>What a value must be, in words ("must be 1 to 64 networks"); null when any value of the type will do.</summary>
    public abstract string? RuleText { get; }

    public abstract object? ValueIn(TrainingOptions options);

    /// <summary><paramref name="options"/> with this option set to <paramref name="value"/> (of <see cref="ValueType"/>).</summary>
    public abstract TrainingOptions With(TrainingOptions options, object? value);

    public abstract bool Accepts(object? value);

    /// <summary>The value spelled as it would be typed: "0.001", "cosine", "none" for unset.</summary>
    public abstract string Format(object? value);

    /// <summary>The value a recipe file gives this option, or the words of why it is not one.</summary>
    /// <exception cref="JsonException">Not a value of the option's type at all ("epochs": "many").</exception>
    internal abstract (object? Value, string? Problem) Read(JsonNode? node, JsonSerializerOptions json);

    /// <summary>"--members: must be 1 to 64 networks (got 0)" when <paramref name="options"/> breaks the rule, else null.</summary>
    public string? Problem(TrainingOptions options)
    {
        object? value = ValueIn(options);
        return Accepts(value) ? null : $"--{Name}: {RuleText} (got {Format(value)})";
    }
}

/// <summary>An option whose value in <see cref="TrainingOptions"/> is a <typeparamref name="T"/>.</summary>
public sealed class TrainingOption<T> : TrainingOption
{
    private readonly Func<TrainingOptions, T> _get;
    private readonly Func<TrainingOptions, T, TrainingOptions> _set;
    private readonly ValueRule<T>? _rule;

    public TrainingOption(string name, string help, Func<TrainingOptions, T> get, Func<TrainingOptions, T, TrainingOptions> set, ValueRule<T>? rule = null)
        : base(name, help)
    {
        _get = get;
        _set = set;
        _rule = rule;
    }

    public override Type ValueType => typeof(T);

    public override IReadOnlyList<string>? Names =>
        typeof(T).IsEnum ? [.. Enum.GetValues(typeof(T)).Cast<Enum>().Select(v => EnumSpelling.Spell(v))] : null;

    public override string? RuleText => _rule?.Text;

    public override object? ValueIn(TrainingOptions options) => _get(options);

    public override TrainingOptions With(TrainingOptions options, object? value) => _set(options, (T)value!);

    public override bool Accepts(object? value) => _rule is null || (value is T typed ? _rule.Accepts(typed) : value is null && default(T) is null && _rule.Accepts(default!));

    public override string Format(object? value) => value switch
    {
        null => "none",
        Enum e => EnumSpelling.Spell(e),
        double d => d.ToString("G", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    internal override (object? Value, string? Problem) Read(JsonNode? node, JsonSerializerOptions json)
    {
        if (node is null) return (null, null);
        // The text as written, for "(got ...)": a string without its quotes, anything else as JSON.
        string written = node is JsonValue v && v.TryGetValue<string>(out var text) ? text : node.ToJsonString();
        object? value;
        if (typeof(T).IsEnum)
        {
            string? name = node is JsonValue s && s.TryGetValue<string>(out var n) ? n : null;
            value = Enum.GetValues(typeof(T)).Cast<object>().FirstOrDefault(e => Format(e) == name);
            if (value is null) return (null, $"{RuleText ?? "must be one of " + string.Join(", ", Names!)} (got {written})");
        }
        else
        {
            value = node.Deserialize<T>(json);
            // The reader turns 1e400 into infinity rather than failing; no option takes an infinite value.
            if (value is double d && !double.IsFinite(d)) return (null, "must be a finite number (got a number too large for a double)");
        }
        return Accepts(value) ? (value, null) : (null, $"{RuleText} (got {written})");
    }
}
