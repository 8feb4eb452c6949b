using System.Globalization;
using FreesoundTagging.IO;

namespace FreesoundTagging.Recipes;

/// <summary>The values one option takes: a test and its words ("must be 1 to 64 networks"), which the command line,
/// recipe files and <see cref="TrainingOptions.Problems"/> all report the same way ("--members: must be 1 to 64
/// networks (got 0)").</summary>
public sealed record ValueRule<T>(Func<T, bool> Accepts, string Text);

/// <summary>The rules options are declared with.</summary>
public static class ValueRule
{
    public static ValueRule<int> Between(int min, int max, string? unit = null) =>
        new(v => v >= min && v <= max, $"must be {min} to {max}{(unit is null ? "" : " " + unit)}");

    /// <summary>A finite number in [min, max] (or [min, max) with <paramref name="maxExclusive"/>).</summary>
    public static ValueRule<double> NumberBetween(double min, double max, bool maxExclusive = false) =>
        new(v => double.IsFinite(v) && v >= min && (maxExclusive ? v < max : v <= max),
            $"must be a number from {Number(min)} to {Number(max)}{(maxExclusive ? " (exclusive)" : "")}");

    public static ValueRule<double> Positive() => new(v => double.IsFinite(v) && v > 0, "must be a positive number");

    /// <summary>Unset, or a finite number in (0, max].</summary>
    public static ValueRule<double?> PositiveAtMost(double max, string unit) =>
        new(v => v is null || (double.IsFinite(v.Value) && v > 0 && v <= max), $"must be more than 0 and at most {Number(max)} {unit}");

    /// <summary>One of the enumeration's names (<see cref="IO.EnumSpelling"/>); the names are the rule's words.</summary>
    public static ValueRule<TEnum> OneOf<TEnum>() where TEnum : struct, Enum =>
        new(Enum.IsDefined, $"must be one of {string.Join(", ", EnumSpelling.Spellings<TEnum>())}");

    internal static string Number(double x) => x.ToString("G", CultureInfo.InvariantCulture);
}
