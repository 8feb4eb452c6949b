using System.Text.Json;

namespace FreesoundTagging.Recipes;

/// <summary>How enumeration values are spelled on the command line, in recipe files and in model files: lower case,
/// words joined by dashes (<see cref="LearningRateSchedule.Cosine"/> is "cosine").</summary>
public static class OptionNames
{
    public static JsonNamingPolicy Policy => JsonNamingPolicy.KebabCaseLower;

    public static string Of<TEnum>(TEnum value) where TEnum : struct, Enum => Policy.ConvertName(value.ToString());

    public static IReadOnlyList<string> Of<TEnum>() where TEnum : struct, Enum => [.. Enum.GetValues<TEnum>().Select(Of)];

    /// <summary>The value spelled <paramref name="name"/>, exactly as <see cref="Of{TEnum}(TEnum)"/> writes it.</summary>
    public static bool TryParse<TEnum>(string? name, out TEnum value) where TEnum : struct, Enum
    {
        foreach (var candidate in Enum.GetValues<TEnum>())
        {
            if (Of(candidate) != name) continue;
            value = candidate;
            return true;
        }
        value = default;
        return false;
    }
}
