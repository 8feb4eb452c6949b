using System.Diagnostics;
using FreesoundTagging.Features;
using FreesoundTagging.Models;
using FreesoundTagging.Scoring;
using FreesoundTagging.Inference;
using FreesoundTagging.Torch;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>bench fold MODEL AUDIO_DIR [rounds]: a cnn_2d_vgg file's scorer on the clips' features (extracted first,
/// not timed), its batch norms separate and folded (<see cref="VggModel.FoldsNormsInEval"/>), alternating.</summary>
internal static class Fold
{
    public static int Run(string modelPath, string audioDir, int rounds)
    {
        TorchRuntime.Initialise();
        using var loaded = ModelFile.Load(modelPath);
        var files = Directory.GetFiles(audioDir).Order().ToArray();
        var clock = Stopwatch.StartNew();
        var extractor = new LogMelExtractor(loaded.Features);
        var clips = files.Select(f => ClipFeatures.Load(extractor, f).Mel!).ToList();
        Console.WriteLine($"{clips.Count} clips, frames {string.Join(",", clips.Select(c => c.Frames).Order())}; features {clock.Elapsed.TotalSeconds:0.00} s");
        var scorer = EnsembleScorer.For([loaded], Predictor.DefaultBatchSize, EnsembleMean.Arithmetic);
        scorer.Prepare(CPU);
        var members = loaded.Model is MemberAverage avg ? avg.Members.ToList() : [loaded.Model];
        var seconds = new double[2];
        for (int r = 0; r < rounds; r++)
            for (int f = 0; f < 2; f++)
            {
                foreach (var m in members) ((VggModel)m).FoldsNormsInEval = f == 1;
                clock.Restart();
                foreach (var chunk in clips.Chunk(64)) scorer.Score(chunk, CPU);
                seconds[f] += clock.Elapsed.TotalSeconds;
                Console.WriteLine($"round {r} {(f == 1 ? "folded" : "unfolded")}: scoring {clock.Elapsed.TotalSeconds:0.00} s");
            }
        Console.WriteLine($"total unfolded {seconds[0]:0.00} s, folded {seconds[1]:0.00} s: {seconds[0] / seconds[1]:0.00}x");
        return 0;
    }
}
