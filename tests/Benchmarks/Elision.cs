using System.Diagnostics;
using FreesoundTagging.Datasets;
using FreesoundTagging.Features;
using FreesoundTagging.Inference;
using FreesoundTagging.Models;
using FreesoundTagging.Runtime;
using FreesoundTagging.Scoring;
using FreesoundTagging.Torch;
using FreesoundTagging.Training;
using TorchSharp;
using static TorchSharp.torch;

/// <summary>
/// bench elision &lt;data_dir&gt; [variant] [steps] [batch]: the original recipe's padded training steps on real batches
/// (inputs' samples.npy, the epoch-0 batch order of seed 1), computed plainly and with padding elision, alternating
/// step by step on two identical models: seconds per phase (assembly, forward, backward, optimizer) and the largest
/// loss difference. bench score &lt;model&gt; &lt;audio_dir&gt;: log-mel extraction, then scoring plain and elided in turn.
/// </summary>
internal static class Elision
{
    /// <param name="control">Run the second model plainly too, on 1 thread instead of all: how far float rounding
    /// alone (another summation order) moves two side-by-side runs.</param>
    public static int Step(string dataDir, string variantName, int steps, int batchSize, int? threads, bool control = false)
    {
        TorchRuntime.Initialise(threads);
        using var data = TrainingSet.Open([DatasetFiles.In(dataDir)]);
        var variant = ModelVariant.Parse(variantName);
        var models = new Cnn1dModel[2];
        var optimizers = new AdamOptimizer[2];
        for (int m = 0; m < 2; m++)
        {
            torch.manual_seed(1);
            models[m] = (Cnn1dModel)variant.Create(data.Features.MelCount, data.Classes.Count);
            models[m].ElidePadding = m == 1 && !control;
            models[m].train();
            optimizers[m] = new AdamOptimizer(models[m].parameters(), 1e-3, 0.9, 0.999, 1e-7);
        }
        Console.WriteLine($"threads {torch.get_num_threads()}, conv channels aligned: {ChannelAlignedConv.AlignsOnCpu}, {data.Count} rows, batch {batchSize} x {data.Features.MaxFrames}");
        var rows = Enumerable.Range(0, data.Count).ToArray();
        var batches = BatchPlan.ForEpoch(rows, data.Frames, batchSize, data.Features.MaxFrames, bucket: false, seed: 1, epoch: 0);
        // Batches packed at their longest content, as training feeds the elided network; the plain one gets the padding back.
        var assembler = new BatchAssembler(data, batchSize, data.Features.MaxFrames, trimPadding: true);
        var phases = new double[2, 4];
        double worstLoss = 0;
        int measured = 0;
        for (int s = 0; s <= steps && s < batches.Count; s++)
        {
            var clock = Stopwatch.StartNew();
            var batch = assembler.StartAsync(batches[s]).Result;
            double assembly = clock.Elapsed.TotalSeconds;
            var losses = new float[2];
            for (int m = 0; m < 2; m++)
            {
                using var scope = NewDisposeScope();
                torch.manual_seed(1000 + s);
                if (control) torch.set_num_threads(m == 1 ? 1 : threads ?? Environment.ProcessorCount);
                clock.Restart();
                var y = batch.Targets(CPU);
                var x = batch.Samples(CPU);
                var logits = m == 0 || control ? models[m].forward(nn.functional.pad(x, [0, 0, 0, batch.Frames - batch.StoredFrames])) : models[m].ForwardPadded(x, batch.Frames, batch.ContentFrames);
                var loss = SoftTargetCrossEntropy.Compute(logits, y);
                losses[m] = loss.item<float>();
                double forward = clock.Elapsed.TotalSeconds;
                clock.Restart();
                optimizers[m].ZeroGrad();
                loss.backward();
                double backward = clock.Elapsed.TotalSeconds;
                clock.Restart();
                optimizers[m].Step();
                double step = clock.Elapsed.TotalSeconds;
                if (s == 0) continue; // warm-up
                phases[m, 0] += assembly;
                phases[m, 1] += forward;
                phases[m, 2] += backward;
                phases[m, 3] += step;
            }
            assembler.Release(batch);
            if (s > 0) measured++;
            worstLoss = Math.Max(worstLoss, Math.Abs(losses[0] - losses[1]) / Math.Max(1e-12, Math.Abs(losses[0])));
            Console.WriteLine($"  step {s}: longest content {batch.ContentFrames.Max()} frames, loss plain {losses[0]:0.000000} elided {losses[1]:0.000000}");
        }
        for (int m = 0; m < 2; m++)
        {
            double total = 0;
            for (int p = 1; p < 4; p++) total += phases[m, p];
            Console.WriteLine($"{(m == 0 ? "plain padded" : control ? "plain, 1 thr" : "elided      ")}: {total / measured:0.000} s/step (forward {phases[m, 1] / measured:0.000}, backward {phases[m, 2] / measured:0.000}, optimizer {phases[m, 3] / measured:0.0000}; batch assembly {phases[m, 0] / measured:0.000} on its own thread in training)");
        }
        Console.WriteLine($"largest relative loss difference over {measured + 1} steps (weights trained side by side): {worstLoss:G3}");
        foreach (var o in optimizers) o.Dispose();
        foreach (var m in models) m.Dispose();
        return 0;
    }

    /// <summary>bench probe: the conv defect probe's error for libtorch's conv1d at the probe's shapes and at training-sized ones.</summary>
    public static int Probe()
    {
        TorchRuntime.Initialise();
        Console.WriteLine($"probe (2 x 300 frames, the layout in use): worst relative error {ConvDefectProbe.PlainConvError():G3}, threshold {ConvDefectProbe.Threshold:G3}");
        foreach (var (n, cin, cout, k, l) in new[] { (64, 100, 150, 5, 1501), (64, 150, 200, 3, 751), (16, 64, 100, 7, 3001), (8, 100, 150, 5, 40) })
        {
            using var scope = NewDisposeScope();
            var x = randn(n, cin, l);
            var w = randn(cout, cin, k);
            var y = nn.functional.conv1d(x, w, null, padding: k / 2);
            var reference = nn.functional.conv1d(x.to(float64), w.to(float64), null, padding: k / 2);
            double error = (y.to(float64) - reference).abs().max().item<double>() / reference.abs().max().item<double>();
            Console.WriteLine($"conv1d {n}x{cin}x{l} -> {cout} k{k}: relative error {error:G3}");
        }
        return 0;
    }

    public static int Score(string modelPath, string audioDir, int rounds)
    {
        TorchRuntime.Initialise();
        using var loaded = ModelFile.Load(modelPath);
        if (loaded.Model is not Cnn1dModel cnn) throw new ArgumentException("bench score compares the cnn_1d variants");
        cnn.eval();
        var files = Directory.GetFiles(audioDir, "*.wav").Order().ToArray();
        var clock = Stopwatch.StartNew();
        var mels = new LogMel?[files.Length];
        double audio = 0;
        // One extractor per worker thread, as predict does (and without `using`: the NWaves front end on main is
        // not IDisposable).
        using (var extractors = new ThreadLocal<LogMelExtractor>(() => new LogMelExtractor(loaded.Features)))
        {
            int cores = Environment.ProcessorCount;
            torch.set_num_threads(1);
            var seconds = new double[files.Length];
            Parallel.For(0, files.Length, new ParallelOptions { MaxDegreeOfParallelism = cores }, i =>
            {
                var f = ClipFeatures.Load(extractors.Value!, files[i]);
                mels[i] = f.Mel;
                seconds[i] = f.Seconds;
            });
            torch.set_num_threads(cores);
            audio = seconds.Sum();
        }
        double featureSeconds = clock.Elapsed.TotalSeconds;
        var clips = mels.Where(m => m is not null).Select(m => m!).ToList();
        Console.WriteLine($"{clips.Count} clips, {audio:0.0} audio-s; log-mel extraction {featureSeconds:0.00} s ({clips.Count / featureSeconds:0.0} clips/s); conv channels aligned: {ChannelAlignedConv.AlignsOnCpu}");
        var scorer = ClipScorer.For(loaded, Predictor.DefaultBatchSize);
        var times = new double[2];
        float[][]?[] results = new float[2][][];
        for (int r = 0; r < rounds; r++)
            for (int m = 0; m < 2; m++)
            {
                cnn.ElidePadding = m == 1;
                clock.Restart();
                var scores = new List<float[]>();
                foreach (var chunk in clips.Chunk(64)) scores.AddRange(scorer.Score(chunk, CPU));
                times[m] += clock.Elapsed.TotalSeconds;
                results[m] = scores.ToArray();
            }
        double worst = 0;
        for (int i = 0; i < clips.Count; i++)
            for (int c = 0; c < results[0]![i].Length; c++) worst = Math.Max(worst, Math.Abs(results[0]![i][c] - results[1]![i][c]));
        for (int m = 0; m < 2; m++)
        {
            double s = times[m] / rounds;
            Console.WriteLine($"{(m == 0 ? "plain padded" : "elided      ")}: scoring {s:0.00} s = {clips.Count / s:0.0} clips/s, {audio / s:0.0} audio-s/s (features excluded); with features {clips.Count / (s + featureSeconds):0.0} clips/s, {audio / (s + featureSeconds):0.0} audio-s/s");
        }
        Console.WriteLine($"largest probability difference plain vs elided: {worst:G3}");
        return 0;
    }
}
