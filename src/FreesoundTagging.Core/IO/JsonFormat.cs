using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;

namespace FreesoundTagging.IO;

/// <summary>
/// The one JSON policy of every file and output the tools write (dataset.json, the model file's description, its
/// training checkpoint, <c>predict --info --format json</c>): snake_case keys, as jq and Python code expect them
/// (<c>.features.mel_count</c>); enumeration values spelled as on the command line (<c>clip-peak</c>, <c>cosine</c>);
/// nulls written, so a key is always there; and only what was set — a value computed from others (a get-only
/// property) is never stored, since a stored copy could only ever disagree with its sources.
/// </summary>
public static class JsonFormat
{
    /// <summary>What everything is written with, and read with unless it predates this policy.</summary>
    public static JsonSerializerOptions Options { get; } = Create(JsonNamingPolicy.SnakeCaseLower);

    /// <summary>Files written before this policy: PascalCase (model descriptions) or camelCase
    /// (dataset.json, checkpoints) keys, read case-insensitively; the keys of computed values they hold are skipped.</summary>
    public static JsonSerializerOptions Legacy { get; } = Create(null, caseInsensitiveKeys: true);

    private static JsonSerializerOptions Create(JsonNamingPolicy? keys, bool caseInsensitiveKeys = false)
    {
        var options = new JsonSerializerOptions
        {
            WriteIndented = true,
            PropertyNamingPolicy = keys,
            PropertyNameCaseInsensitive = caseInsensitiveKeys,
            DefaultIgnoreCondition = JsonIgnoreCondition.Never,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            // A diverged run's history (and the checkpoint that carries it) may hold NaN or Infinity: JSON has no
            // such numbers, so they are written as "NaN" / "Infinity" strings rather than crash the save.
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            // The files are read by people, jq and Python, never embedded in HTML: "±" stays "±", not "\u00b1".
            Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { OmitComputedValues } },
            Converters = { new OptionSpellingEnumConverter() },
        };
        options.MakeReadOnly();
        return options;
    }

    /// <summary>Drops get-only properties that no constructor parameter sets: values computed from others.</summary>
    private static void OmitComputedValues(JsonTypeInfo type)
    {
        if (type.Kind != JsonTypeInfoKind.Object) return;
        for (int i = type.Properties.Count - 1; i >= 0; i--)
        {
            var property = type.Properties[i];
            if (property.Set is null && property.AssociatedParameter is null) type.Properties.RemoveAt(i);
        }
    }
}
