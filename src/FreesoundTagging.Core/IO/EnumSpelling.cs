using System.Text.Json;

namespace FreesoundTagging.IO;

/// <summary>
/// The one spelling of enumeration values, shared by the command line, recipe files and JSON files: kebab-case,
/// lower case (<c>ClipPeak</c> is <c>clip-peak</c>, <c>Float32</c> is <c>float32</c>). Reading ignores case, '-' and
/// '_', so values written in earlier spellings (<c>ClipPeak</c>, an export's <c>clip_peak</c>) still read.
/// </summary>
public static class EnumSpelling
{
    /// <summary>How <paramref name="value"/> is typed and written.</summary>
    public static string Spell(Enum value) => JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

    /// <summary>Every value of <typeparamref name="TEnum"/>, spelled, in declaration order.</summary>
    public static IReadOnlyList<string> Spellings<TEnum>() where TEnum : struct, Enum =>
        [.. Enum.GetValues<TEnum>().Select(v => Spell(v))];

    /// <summary>The value <paramref name="text"/> names in any of its spellings, or null.</summary>
    public static TEnum? Parse<TEnum>(string text) where TEnum : struct, Enum
    {
        string key = Normalise(text);
        foreach (var value in Enum.GetValues<TEnum>())
        {
            if (Normalise(value.ToString()) == key) return value;
        }
        return null;
    }

    private static string Normalise(string name) => name.Replace("-", "").Replace("_", "").ToLowerInvariant();
}
