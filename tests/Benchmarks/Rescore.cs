using FreesoundTagging.Models;
using FreesoundTagging.Torch;

/// <summary>bench rescore MODEL OUT window-seconds [windows-per-window] [tta-shifts]: the same weights saved with
/// other scoring settings (window length, hop, band shifts), to compare scoring choices of one trained network on a
/// validation split without training it again.</summary>
internal static class Rescore
{
    public static int Run(string modelPath, string outPath, double windowSeconds, int windowsPerWindow, int shifts)
    {
        TorchRuntime.Initialise();
        using var loaded = ModelFile.Load(modelPath);
        var f = loaded.Features;
        int window = Math.Max(1, (int)Math.Round(windowSeconds * f.SampleRate / f.HopLength));
        int hop = Math.Max(1, (int)Math.Round(window / (double)windowsPerWindow));
        // Files from before the options were recorded: the defaults stand for them.
        var options = (loaded.History.Options ?? new FreesoundTagging.Recipes.TrainingOptions()) with { ScoringWindowSeconds = windowSeconds, WindowsPerCrop = windowsPerWindow, TtaBandShifts = shifts };
        ModelFile.Save(outPath, loaded.Model, loaded.Classes, f, loaded.History with { Options = options }, window, hop, shifts);
        Console.WriteLine($"wrote {outPath}: windows of {window} frames every {hop}, band shifts ±{shifts}");
        return 0;
    }
}
