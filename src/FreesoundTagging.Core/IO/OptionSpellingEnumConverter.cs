using System.Text.Json;
using System.Text.Json.Serialization;

namespace FreesoundTagging.IO;

/// <summary>
/// Enumeration values in JSON as the command line spells them: kebab-case, lower case (<c>ClipPeak</c> is
/// <c>clip-peak</c>, <c>Float32</c> is <c>float32</c>). Reading ignores case, '-' and '_', so files written before
/// the policy (<c>ClipPeak</c>, an export's <c>clip_peak</c>, a recipe's <c>cosine</c>) still read.
/// </summary>
public sealed class OptionSpellingEnumConverter : JsonConverterFactory
{
    /// <summary>How <paramref name="value"/> is typed on the command line and written to JSON.</summary>
    public static string Spell<TEnum>(TEnum value) where TEnum : struct, Enum => JsonNamingPolicy.KebabCaseLower.ConvertName(value.ToString());

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

    public override bool CanConvert(Type typeToConvert) => typeToConvert.IsEnum;

    public override JsonConverter CreateConverter(Type typeToConvert, JsonSerializerOptions options) =>
        (JsonConverter)Activator.CreateInstance(typeof(Spelling<>).MakeGenericType(typeToConvert))!;

    private sealed class Spelling<TEnum> : JsonConverter<TEnum> where TEnum : struct, Enum
    {
        public override TEnum Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String)
                throw new JsonException($"expected one of {Names()} (a string), got {reader.TokenType}");
            string text = reader.GetString()!;
            return Parse<TEnum>(text) ?? throw new JsonException($"'{text}' is not one of {Names()}");
        }

        public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options)
        {
            if (!Enum.IsDefined(value)) throw new JsonException($"{value} is not a {typeof(TEnum).Name}");
            writer.WriteStringValue(Spell(value));
        }

        private static string Names() => string.Join(", ", Enum.GetValues<TEnum>().Select(v => Spell(v)));
    }
}
