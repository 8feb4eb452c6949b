using System.Diagnostics;
using FreesoundTagging.Models;
using FreesoundTagging.Runtime;
using FreesoundTagging.Torch;
using FreesoundTagging.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

/// <summary>
/// bench gc-stress [seconds] [ours|torchsharp]: training steps of a small conv + batch-norm network while another
/// thread forces garbage collections back to back, counting the steps that fail. "torchsharp" uses TorchSharp's
/// BatchNorm2d and Adam, whose implicit Scalars the finalizer can free mid-call (see OwnedScalars); "ours" uses
/// ChannelBatchNorm and AdamOptimizer, as the trainer does. The same network and data either way.
/// </summary>
internal static class GcStress
{
    public static int Run(double seconds, string mode, int spin)
    {
        if (mode is not ("ours" or "torchsharp")) throw new ArgumentException($"mode must be ours or torchsharp, not '{mode}'");
        TorchRuntime.Initialise(1);
        bool torchSharp = mode == "torchsharp";
        manual_seed(1);
        nn.Module<Tensor, Tensor> Norm(long channels) => torchSharp ? nn.BatchNorm2d(channels) : ChannelBatchNorm.Over2d(channels);
        using var model = nn.Sequential(
            nn.Conv2d(1, 16, 3, padding: 1, bias: false), Norm(16), nn.ReLU(),
            nn.Conv2d(16, 16, 3, padding: 1, bias: false), Norm(16), nn.ReLU(),
            nn.Flatten(2), nn.AdaptiveMaxPool1d(1), nn.Flatten(), nn.Linear(16, 4));
        IDisposable optimizer;
        Action zeroGrad, step;
        if (torchSharp)
        {
            var adam = optim.Adam(model.parameters(), 1e-3);
            (optimizer, zeroGrad, step) = (adam, adam.zero_grad, () => adam.step());
        }
        else
        {
            var adam = new AdamOptimizer(model.parameters(), 1e-3);
            (optimizer, zeroGrad, step) = (adam, adam.ZeroGrad, adam.Step);
        }
        using var _ = optimizer;
        using var x = randn(8, 1, 16, 20);
        using var y = nn.functional.one_hot(tensor(new long[] { 0, 1, 2, 3, 0, 1, 2, 3 }), 4).to(float32);

        bool stop = false;
        long collections = 0;
        // Back-to-back collections would starve the training thread (every return from native code waits for
        // the collector); a short pause between them leaves it running at a few thousand collections a second.
        var hammer = new Thread(() =>
        {
            while (!Volatile.Read(ref stop))
            {
                GC.Collect(0);
                collections++;
                Thread.SpinWait(spin);
            }
        }) { IsBackground = true };
        hammer.Start();
        long steps = 0, failures = 0;
        string? firstError = null;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < seconds)
        {
            try
            {
                using var scope = NewDisposeScope();
                var loss = SoftTargetCrossEntropy.Compute(model.forward(x), y);
                zeroGrad();
                loss.backward();
                step();
            }
            catch (Exception e) when (e is System.Runtime.InteropServices.ExternalException)
            {
                failures++;
                firstError ??= e.Message.Split('\n')[0];
            }
            steps++;
        }
        Volatile.Write(ref stop, true);
        hammer.Join();
        Console.WriteLine($"{mode}: {steps} steps in {clock.Elapsed.TotalSeconds:0} s with {collections} forced collections, {failures} failed{(firstError is null ? "" : $" (first: {firstError})")}");
        return failures == 0 ? 0 : 1;
    }
}
