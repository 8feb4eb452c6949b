using System.Text.Json;

namespace FreesoundTagging.Recipes;

/// <summary>How enumeration values are spelled on the command line, in recipe files and in model files: lower case,
/// words joined by dashes (<see cref="LearningRateSchedule.Cosine"/> is "cosine").</summary>
public static class OptionNames
{
    public static JsonNamingPolicy Policy => JsonNamingPolicy.KebabCaseLower;

    public static string Of<TEnum>(TEnum value) where TEnum : struct, Enum => Policy.ConvertName(value.ToString());

    public static IReadOnlyList<string> Of<TEnum>() where TEnum : struct, Enum => [.. Enum.GetValues<TEnum>().Select(Of)];
}
