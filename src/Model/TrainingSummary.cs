using FreesoundTagging.CommandLine;
using FreesoundTagging.Models;
using FreesoundTagging.Recipes;
using FreesoundTagging.Training;
using FreesoundTagging.Jobs;

namespace FreesoundTagging.Model;

/// <summary>What a finished training run wrote and how it went: short lines (they must read at 80 columns), the file
/// names last.</summary>
internal static class TrainingSummary
{
    public static void Print(CrossValidationResult r)
    {
        for (int k = 0; k < r.Folds.Count; k++)
        {
            var f = r.Folds[k];
            Console.WriteLine($"fold {k + 1}: wrote {f.ModelPath}");
            Console.WriteLine($"  trained on {f.TrainRows} clips, validated on {f.ValidationRows}, in {Terminal.Duration(TimeSpan.FromSeconds(f.History.ElapsedSeconds))}");
            Console.WriteLine($"  {Kept(f.History)}: validation MAP@3 {r.Map3[k]:0.000}");
        }
        Console.WriteLine($"{r.Folds.Count}-fold validation MAP@3 {r.MeanMap3:0.000} ± {r.StdMap3:0.000} (mean ± std)");
        Console.WriteLine($"predict with all {r.Folds.Count} models to average them");
        if (r.OutOfFold is { } report)
        {
            Console.WriteLine($"out-of-fold MAP@3 {r.OutOfFoldMap3:0.000} on {r.Folds.Sum(f => f.ValidationRows)} clips; per class:");
            Console.WriteLine($"  {report.TablePath}");
            Console.WriteLine($"  {report.BarChartPath}");
            Console.WriteLine($"  {report.ConfusionPath}");
        }
    }

    public static void Print(TrainResult r)
    {
        var kept = r.History.Kept!;
        string counts = r.ValidationRows > 0 ? $"trained on {r.TrainRows} clips, validated on {r.ValidationRows}" : $"trained on {r.TrainRows} clips";
        Console.WriteLine($"wrote {r.ModelPath}");
        Console.WriteLine($"  {r.Parameters:N0} parameters, {r.Classes.Count} classes, seed {r.History.Seed}");
        Console.WriteLine($"  {counts}, in {Terminal.Duration(TimeSpan.FromSeconds(r.History.ElapsedSeconds))}");
        string first = r.History.MemberElapsedSeconds is { Count: > 1 } ? "member 1, " : "";
        Console.WriteLine($"  {first}{Kept(r.History)}: loss {kept.TrainLoss:0.000}, accuracy {kept.TrainAccuracy:0.000}");
        if (r.History.MemberElapsedSeconds is { Count: > 1 } times)
            Console.WriteLine($"  {times.Count} members (seeds {string.Join(", ", Enumerable.Range(0, times.Count).Select(k => TrainingRun.MemberSeed(r.History.Seed ?? 0, k)))}), {string.Join(" + ", times.Select(t => $"{t:0} s"))}");
        if (r.History.EnsembleValidationMap3 is { } ensembleMap)
            Console.WriteLine($"  validation MAP@3: ensemble {ensembleMap:0.000}; members {string.Join(", ", r.History.MemberValidationMap3!.Select(m => m.ToString("0.000")))}");
        else if (kept.MeanAveragePrecisionAt3 is { } map)
            Console.WriteLine($"  validation: loss {kept.ValidationLoss:0.000}, accuracy {kept.ValidationAccuracy:0.000}, MAP@3 {map:0.000}");
        Console.WriteLine($"wrote {r.PlotPath}");
        Console.WriteLine($"wrote {r.ModelPath}.history.csv");
        // The checkpoint is kept on purpose: it holds what the model file does not (Adam's moments, the data order),
        // which `--resume --epochs N` needs to continue a finished run exactly.
        if (File.Exists(r.CheckpointPath))
            Console.WriteLine($"kept {r.CheckpointPath} ({new FileInfo(r.CheckpointPath).Length / 1e6:0.0} MB) for --resume --epochs N; delete it if you will not train further");
        if (r.Report is { } report)
        {
            Console.WriteLine($"wrote {report.TablePath}");
            Console.WriteLine($"wrote {report.BarChartPath}");
            Console.WriteLine($"wrote {report.ConfusionPath}");
        }
    }

    /// <summary>"kept epoch 12 of 30 (best)", "stopped early after epoch 20; kept epoch 12 (best)", "final epoch 30".</summary>
    private static string Kept(TrainingHistory h)
    {
        int ran = h.Epochs.Count == 0 ? 0 : h.Epochs[^1].Epoch;
        int kept = h.KeptEpoch ?? ran;
        string stopped = h.StoppedEarly ? $"stopped early after epoch {ran}; " : "";
        return kept == ran && h.Options?.Keep != KeepEpoch.Best ? $"{stopped}final epoch {ran}" : $"{stopped}kept epoch {kept} of {ran} (best validation MAP@3)";
    }
}
