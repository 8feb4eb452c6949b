using System.Text.Json;
using System.Text.Json.Serialization;

namespace FreesoundTagging.IO;

/// <summary>Enumeration values in JSON as the command line spells them (<see cref="EnumSpelling"/>).</summary>
public sealed class OptionSpellingEnumConverter : JsonConverterFactory
{
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
            return EnumSpelling.Parse<TEnum>(text) ?? throw new JsonException($"'{text}' is not one of {Names()}");
        }

        public override void Write(Utf8JsonWriter writer, TEnum value, JsonSerializerOptions options)
        {
            if (!Enum.IsDefined(value)) throw new JsonException($"{value} is not a {typeof(TEnum).Name}");
            writer.WriteStringValue(EnumSpelling.Spell(value));
        }

        private static string Names() => string.Join(", ", EnumSpelling.Spellings<TEnum>());
    }
}
