using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Text.RegularExpressions;

namespace FreesoundTagging.CommandLine;

/// <summary>
/// Range rules for option values, checked by the parser so that a value out of range is a usage error (exit 2)
/// naming the option, before any file is opened. The core checks its settings again; these only say it earlier.
/// </summary>
internal static partial class OptionRules
{
    /// <summary>At most this many threads: beyond a few per core they only cost memory.</summary>
    public static int MaxThreads => Math.Max(8, 4 * Environment.ProcessorCount);

    public static Option<int> Between(this Option<int> option, int min, int max, string? unit = null) =>
        option.Check<int>(v => v >= min && v <= max, $"must be {Range(min, max)}{Suffix(unit)}");

    public static Option<int> Threads(this Option<int> option) =>
        option.Check<int>(v => v >= 1 && v <= MaxThreads, $"must be 1 to {MaxThreads} (4 per core, {Environment.ProcessorCount} cores here)");

    /// <summary>A finite number in [min, max] (or [min, max) with <paramref name="maxExclusive"/>).</summary>
    public static Option<double> Between(this Option<double> option, double min, double max, bool maxExclusive = false) =>
        option.Check<double>(v => double.IsFinite(v) && v >= min && (maxExclusive ? v < max : v <= max),
            $"must be a number from {Number(min)} to {Number(max)}{(maxExclusive ? " (exclusive)" : "")}");

    public static Option<double?> PositiveAtMost(this Option<double?> option, double max, string unit) =>
        option.Check<double?>(v => v is null || (double.IsFinite(v.Value) && v > 0 && v <= max), $"must be more than 0 and at most {Number(max)} {unit}");

    /// <summary>One of <paramref name="names"/>, exactly; the names also show in --help.</summary>
    public static Option<string> OneOf(this Option<string> option, params string[] names)
    {
        option.HelpName = string.Join("|", names);
        return option.Check<string>(v => names.Contains(v, StringComparer.Ordinal), $"must be one of {string.Join(", ", names)}");
    }

    public static Option<string> Device(this Option<string> option) =>
        option.Check<string>(v => DevicePattern().IsMatch(v.Trim()), "must be auto, cpu, cuda or cuda:N");

    /// <summary>Adds a validator: <paramref name="valid"/> false → "--name: <paramref name="rule"/> (got x)".</summary>
    public static Option<T> Check<T>(this Option<T> option, Func<T, bool> valid, string rule)
    {
        option.Validators.Add(result =>
        {
            // Only values the user typed; a value that does not convert is already reported by the parser.
            if (result.Tokens.Count == 0) return;
            T value;
            try
            {
                value = result.GetValueOrDefault<T>();
            }
            catch (InvalidOperationException)
            {
                return;
            }
            if (!valid(value)) result.AddError($"{option.Name}: {rule} (got {string.Join(" ", result.Tokens.Select(t => t.Value))})");
        });
        return option;
    }

    /// <summary>The parser's type-conversion messages in plain words ("--epochs: 'abc' is not a whole number").</summary>
    public static string Plain(string message)
    {
        var m = CannotParse().Match(message);
        if (!m.Success) return message;
        string type = m.Groups["type"].Value;
        string what = type.Contains("Int32") || type.Contains("Int64") ? "a whole number"
            : type.Contains("Double") || type.Contains("Single") ? "a number"
            : type.Contains("Boolean") ? "true or false"
            : "a valid value";
        return $"{m.Groups["option"].Value}: '{m.Groups["value"].Value}' is not {what}";
    }

    private static string Range(int min, int max) => max == int.MaxValue ? $"at least {min}" : $"{min} to {max}";

    private static string Suffix(string? unit) => unit is null ? "" : " " + unit;

    private static string Number(double x) => x.ToString("G", CultureInfo.InvariantCulture);

    [GeneratedRegex(@"^(auto|cpu|cuda(:\d{1,3})?)$", RegexOptions.IgnoreCase)]
    private static partial Regex DevicePattern();

    [GeneratedRegex(@"^Cannot parse argument '(?<value>.*)' for option '(?<option>[^']*)' as expected type '(?<type>[^']*)'")]
    private static partial Regex CannotParse();
}
