using System.Diagnostics;
using FreesoundTagging.Models;
using FreesoundTagging.Torch;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>bench looped MODEL [frames] [rounds] [windows] [periods…]: milliseconds per window of one member's eval
/// pass on windows looped from clips of each period (frames of random log-mel), plain forward against ForwardLooped
/// (alternating), and the largest logit difference between them.</summary>
internal static class Looped
{
    public static int Run(string modelPath, int frames, int rounds, int windows, int[] periods)
    {
        TorchRuntime.Initialise();
        using var loaded = ModelFile.Load(modelPath);
        var net = loaded.Model is MemberAverage m ? m.Members[0] : loaded.Model;
        net.eval();
        int bands = loaded.Features.MelCount;
        Console.WriteLine($"threads {torch.get_num_threads()}, {windows} windows of {frames}x{bands}");
        // A negative first period: one batch whose rows cycle through the periods given (as predict's passes mix clips).
        bool mixed = periods[0] < 0;
        if (mixed) periods = [.. periods.Select(Math.Abs)];
        foreach (int period in mixed ? [0] : periods)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var rows = mixed ? Enumerable.Range(0, windows).Select(i => periods[i % periods.Length]).ToArray() : Enumerable.Repeat(period, windows).ToArray();
            var x = stack(rows.Select(p => randn(1, Math.Min(p, frames), bands).repeat(1, (frames + p - 1) / p, 1).narrow(1, 0, frames)).ToArray()).squeeze(1).contiguous();
            var plain = net.forward(x);
            var looped = net.ForwardLooped(x, rows);
            double diff = plain.sub(looped).abs().max().item<float>();
            var seconds = new double[2];
            for (int r = 0; r < rounds; r++)
                for (int f = 0; f < 2; f++)
                {
                    var clock = Stopwatch.StartNew();
                    (f == 0 ? net.forward(x) : net.ForwardLooped(x, rows)).Dispose();
                    seconds[f] += clock.Elapsed.TotalSeconds / rounds / windows;
                }
            Console.WriteLine($"period {(mixed ? string.Join(",", periods) : period)}: {seconds[0] * 1000:0.00} ms per window plain, {seconds[1] * 1000:0.00} looped ({seconds[0] / seconds[1]:0.0}x), logits differ by at most {diff:0.0e0}");
        }
        return 0;
    }
}
