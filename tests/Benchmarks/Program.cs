using System.Diagnostics;
using FreesoundTagging.Models;
using FreesoundTagging.Runtime;
using FreesoundTagging.Torch;
using FreesoundTagging.Training;
using TorchSharp;
using static TorchSharp.torch;

// bench step [variant|all] [steps] [batch] [frames] [threads]: seconds per training step (Adam, soft-target loss) on
// random data, after one warm-up step. Environment knobs to compare: FREESOUND_MALLOC_TUNING=0 (glibc
// defaults), DNNL_MAX_CPU_ISA=ALL (lift the oneDNN cap).
string what = args.ElementAtOrDefault(0) ?? "step";
if (what == "stages") return Stages.Run(args.ElementAtOrDefault(1) ?? "../shared/corpus-dev/audio_train");
if (what == "gc-stress") return GcStress.Run(double.Parse(args.ElementAtOrDefault(1) ?? "30"), args.ElementAtOrDefault(2) ?? "ours", int.Parse(args.ElementAtOrDefault(3) ?? "2000"));
if (what == "elision") return Elision.Step(args.ElementAtOrDefault(1) ?? ".", args.ElementAtOrDefault(2) ?? "cnn_1d_dropout", int.Parse(args.ElementAtOrDefault(3) ?? "8"), int.Parse(args.ElementAtOrDefault(4) ?? "64"), args.Length > 5 ? int.Parse(args[5]) : null, args.ElementAtOrDefault(6) == "control");
if (what == "forward") return Forward.Run(args[1], int.Parse(args.ElementAtOrDefault(2) ?? "512"), int.Parse(args.ElementAtOrDefault(3) ?? "3"), args.Skip(4).Select(int.Parse).DefaultIfEmpty(8).ToArray());
if (what == "looped") return Looped.Run(args[1], int.Parse(args.ElementAtOrDefault(2) ?? "512"), int.Parse(args.ElementAtOrDefault(3) ?? "3"), int.Parse(args.ElementAtOrDefault(4) ?? "24"), args.Skip(5).Select(int.Parse).DefaultIfEmpty(80).ToArray());
if (what == "rescore") return Rescore.Run(args[1], args[2], double.Parse(args[3], System.Globalization.CultureInfo.InvariantCulture), int.Parse(args.ElementAtOrDefault(4) ?? "2"), int.Parse(args.ElementAtOrDefault(5) ?? "0"));
if (what == "fold") return Fold.Run(args[1], args[2], int.Parse(args.ElementAtOrDefault(3) ?? "2"));
if (what == "probe") return Elision.Probe();
if (what == "degrade") return Degrade.Run(int.Parse(args.ElementAtOrDefault(1) ?? "50"), double.Parse(args.ElementAtOrDefault(2) ?? "1", System.Globalization.CultureInfo.InvariantCulture));
if (what == "score") return Elision.Score(args[1], args[2], int.Parse(args.ElementAtOrDefault(3) ?? "2"));
if (what != "step")
{
    Console.Error.WriteLine("usage: bench step [variant|all] [steps] [batch] [frames] [threads] | bench stages <audio_dir> | bench gc-stress [seconds] [ours|torchsharp] | bench elision <data_dir> [variant] [steps] [batch] | bench score <model> <audio_dir> [rounds] | bench forward <model> [frames] [rounds] [windows…] | bench rescore <model> <out> <window-seconds> [windows-per-window] [tta-shifts] | bench looped <model> [frames] [rounds] [windows] [periods…] | bench fold <model> <audio_dir> [rounds] | bench degrade [batches] [probability]");
    return 2;
}
string variantArg = args.ElementAtOrDefault(1) ?? "all";
int steps = int.Parse(args.ElementAtOrDefault(2) ?? "5");
int batch = int.Parse(args.ElementAtOrDefault(3) ?? "64");
int frames = int.Parse(args.ElementAtOrDefault(4) ?? "3001");
TorchRuntime.Initialise(args.Length > 5 ? int.Parse(args[5]) : null);
Console.WriteLine($"threads {torch.get_num_threads()}, malloc tuning {(NativeMemoryTuning.IsApplied ? "on" : "off")}, DNNL_MAX_CPU_ISA={Environment.GetEnvironmentVariable("DNNL_MAX_CPU_ISA") ?? "(unset)"}");
var variants = variantArg == "all" ? ModelVariant.All : [ModelVariant.Parse(variantArg)];
foreach (var variant in variants)
{
    torch.manual_seed(1);
    using var model = variant.Create(64, 41);
    using var optimizer = new AdamOptimizer(model.parameters(), 1e-3, 0.9, 0.999, 1e-7);
    var times = new List<double>();
    for (int s = 0; s <= steps; s++)
    {
        var clock = Stopwatch.StartNew();
        using (var scope = NewDisposeScope())
        {
            var x = randn(batch, frames, 64);
            var y = nn.functional.one_hot(randint(0, 41, batch), 41).to(float32);
            var loss = SoftTargetCrossEntropy.Compute(model.forward(x), y);
            optimizer.ZeroGrad();
            loss.backward();
            optimizer.Step();
        }
        if (s > 0) times.Add(clock.Elapsed.TotalSeconds);
    }
    times.Sort();
    Console.WriteLine($"{variant.Name}: {times.Average():0.000} s/step mean, {times[times.Count / 2]:0.000} median, over {steps} steps of {batch}x{frames}x64");
}
return 0;
