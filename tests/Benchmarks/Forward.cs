using System.Diagnostics;
using FreesoundTagging.Models;
using FreesoundTagging.Torch;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>bench forward MODEL [frames] [rounds] [counts…]: milliseconds per window of one member's eval forward pass, batch norms separate and folded (alternating), on
/// random (N, frames, bands) input, for each batch count N.</summary>
internal static class Forward
{
    public static int Run(string modelPath, int frames, int rounds, int[] counts)
    {
        TorchRuntime.Initialise();
        using var loaded = ModelFile.Load(modelPath);
        var net = loaded.Model is MemberAverage m ? m.Members[0] : loaded.Model;
        net.eval();
        int bands = loaded.Features.MelCount;
        Console.WriteLine($"threads {torch.get_num_threads()}, {frames}x{bands}");
        foreach (int n in counts)
        {
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var x = randn(n, frames, bands);
            net.forward(x).Dispose();
            var seconds = new double[2];
            for (int r = 0; r < rounds; r++)
                for (int f = 0; f < 2; f++)
                {
                    if (net is VggModel v) v.FoldsNormsInEval = f == 1;
                    var clock = Stopwatch.StartNew();
                    net.forward(x).Dispose();
                    seconds[f] += clock.Elapsed.TotalSeconds / rounds / n;
                }
            Console.WriteLine($"N={n}: {seconds[0] * 1000:0.00} ms per window unfolded, {seconds[1] * 1000:0.00} folded");
        }
        if (net is VggModel vgg) Layers(vgg, frames, bands, counts[0], rounds);
        return 0;
    }

    private static void Layers(VggModel vgg, int frames, int bands, int n, int rounds)
    {
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var kids = vgg.named_children().ToList();
        var blocks = (TorchSharp.Modules.ModuleList<TorchSharp.Modules.Sequential>)kids.First(k => k.name == "blocks").module;
        var times = new Dictionary<string, double>();
        for (int r = 0; r <= rounds; r++)
        {
            var x = randn(n, bands, frames).unsqueeze(1);
            for (int b = 0; b < blocks.Count; b++)
            {
                int i = 0;
                foreach (var layer in blocks[b].children().Cast<nn.Module<Tensor, Tensor>>())
                {
                    var clock = Stopwatch.StartNew();
                    x = layer.forward(x);
                    if (b == 0 && i == 0) x = x.permute(0, 2, 3, 1).contiguous().permute(0, 3, 1, 2);
                    string key = $"b{b}.{i++}.{layer.GetType().Name}";
                    if (r > 0) times[key] = times.GetValueOrDefault(key) + clock.Elapsed.TotalMilliseconds / rounds / n;
                }
                var c2 = Stopwatch.StartNew();
                x = nn.functional.max_pool2d(x, [2, 2], [2, 2], ceil_mode: true);
                if (r > 0) times[$"b{b}.pool"] = times.GetValueOrDefault($"b{b}.pool") + c2.Elapsed.TotalMilliseconds / rounds / n;
            }
        }
        foreach (var (k, v) in times) Console.WriteLine($"{k}: {v:0.000} ms/window");
    }
}
