using FreesoundTagging.CommandLine;
using FreesoundTagging.Models;
using FreesoundTagging.Training;

namespace FreesoundTagging.Model;

/// <summary>The epoch lines' text, cut to fit the terminal.</summary>
internal static class EpochLine
{
    public const int BarWidth = 10;

    /// <summary>Characters left for the description on a terminal this wide: the bar, "100%", elapsed and remaining
    /// (each "0:00:00") and the spaces between columns take the rest.</summary>
    public static int Budget(int width) => Math.Max(12, width - (BarWidth + 4 + 7 + 7 + 5));

    public static string Running(string stage, TrainingProgress p, int budget) => First(budget,
        $"{stage}epoch {p.Epoch}/{p.Epochs} loss {p.Loss:0.000} acc {p.Accuracy:0.000} {p.StepsPerSecond:0.0} steps/s",
        $"{stage}epoch {p.Epoch}/{p.Epochs} loss {p.Loss:0.000} acc {p.Accuracy:0.000}",
        $"{stage}epoch {p.Epoch}/{p.Epochs} loss {p.Loss:0.00}",
        $"{stage}epoch {p.Epoch}/{p.Epochs}");

    public static string Finished(string stage, EpochRecord e, int epochs, int budget) => e.MeanAveragePrecisionAt3 is { } map
        ? First(budget,
            $"{stage}epoch {e.Epoch}/{epochs} loss {e.TrainLoss:0.000} acc {e.TrainAccuracy:0.000} | val loss {e.ValidationLoss:0.000} acc {e.ValidationAccuracy:0.000} MAP@3 {map:0.000}",
            $"{stage}epoch {e.Epoch}/{epochs} loss {e.TrainLoss:0.000} | val acc {e.ValidationAccuracy:0.000} MAP@3 {map:0.000}",
            $"{stage}epoch {e.Epoch}/{epochs} loss {e.TrainLoss:0.00} MAP@3 {map:0.000}",
            $"{stage}epoch {e.Epoch}/{epochs} MAP@3 {map:0.000}")
        : First(budget,
            $"{stage}epoch {e.Epoch}/{epochs} loss {e.TrainLoss:0.000} acc {e.TrainAccuracy:0.000}",
            $"{stage}epoch {e.Epoch}/{epochs} loss {e.TrainLoss:0.00}",
            $"{stage}epoch {e.Epoch}/{epochs}");

    /// <summary>A redirected run's line: all figures, not cut.</summary>
    public static string Plain(string stage, EpochRecord e, int epochs, (TimeSpan Elapsed, TimeSpan Left) time)
    {
        string validation = e.MeanAveragePrecisionAt3 is { } map ? $", val loss {e.ValidationLoss:0.000} acc {e.ValidationAccuracy:0.000} MAP@3 {map:0.000}" : "";
        return $"{stage}epoch {e.Epoch}/{epochs}: loss {e.TrainLoss:0.000} acc {e.TrainAccuracy:0.000}{validation} ({e.Seconds:0.0} s; {Terminal.Duration(time.Elapsed)} elapsed, {Terminal.Duration(time.Left)} left)";
    }

    public static string Resuming(string stage, int epoch, int step) =>
        step > 0 ? $"{stage}resuming from epoch {epoch}, step {step}" : $"{stage}resuming from epoch {epoch}";

    /// <summary>The first text that fits, else the last one cut.</summary>
    public static string First(int budget, params string[] texts) => Fit(texts.FirstOrDefault(t => t.Length <= budget) ?? texts[^1], budget);

    public static string Fit(string text, int budget) => text.Length <= budget ? text : text[..Math.Max(1, budget - 1)] + "…";
}
