using System.Diagnostics;
using FreesoundTagging.Audio;
using FreesoundTagging.Features;
using FreesoundTagging.IO;
using FreesoundTagging.Runtime;
using TorchSharp;

/// <summary>
/// bench stages &lt;audio_dir&gt;: where inputs' time goes, one clip at a time on one thread, for the NWaves front
/// end the core uses and, in the same run on the same decoded clips, the torch.stft one it replaced: decode (read
/// WAV, mono, resample), STFT (pad, frame, window, FFT, |X|²), mel (filter bank, log, copy out) and write (pad to
/// 3001 rows, .npy). Prints each stage's seconds and share, audio-seconds per CPU-second, and the largest
/// difference between the two front ends' log-mels.
/// </summary>
internal static class Stages
{
    public static int Run(string audioDir)
    {
        TorchRuntime.Initialise(1);
        var config = FeatureConfig.Original;
        var extractor = new LogMelExtractor(config);
        using var torchPath = new TorchLogMel(config);
        var files = Directory.GetFiles(audioDir, "*.wav").Order().ToList();
        var watch = new Stopwatch();
        double decode = 0, audio = 0, worstDiff = 0;
        var nwaves = new StageTimes();
        var torchTimes = new StageTimes();
        var row = new float[config.MaxFrames * config.MelCount];
        string output = Path.Combine(Path.GetTempPath(), $"fst-stages-{Environment.ProcessId}.npy");
        using (var writer = new NpyRowWriter(output, NpyDtype.Float32, config.MaxFrames, config.MelCount))
        {
            foreach (string file in files)
            {
                watch.Restart();
                float[] samples = AudioLoader.LoadMono(file, config.SampleRate).Samples;
                decode += watch.Elapsed.TotalSeconds;
                if (samples.Length == 0) continue;
                audio += samples.Length / (double)config.SampleRate;

                watch.Restart();
                var power = extractor.PowerSpectrogramOf(samples);
                nwaves.Stft += watch.Elapsed.TotalSeconds;
                watch.Restart();
                LogMel mel = extractor.LogMelOf(power);
                nwaves.Mel += watch.Elapsed.TotalSeconds;

                float[] torchMel;
                using (torch.NewDisposeScope())
                {
                    watch.Restart();
                    var torchPower = torchPath.Power(samples);
                    torchPower.data<float>(); // force the work before the clock stops (libtorch is eager, this is cheap)
                    torchTimes.Stft += watch.Elapsed.TotalSeconds;
                    watch.Restart();
                    torchMel = torchPath.LogMelOf(torchPower);
                    torchTimes.Mel += watch.Elapsed.TotalSeconds;
                }
                for (int i = 0; i < torchMel.Length; i++) worstDiff = Math.Max(worstDiff, Math.Abs(torchMel[i] - mel.Values[i]));

                watch.Restart();
                Array.Clear(row);
                mel.Values.AsSpan(0, Math.Min(mel.Frames, config.MaxFrames) * config.MelCount).CopyTo(row);
                writer.WriteRow(row);
                double write = watch.Elapsed.TotalSeconds;
                nwaves.Write += write;
                torchTimes.Write += write;
            }
            watch.Restart();
            writer.Commit();
            nwaves.Write += watch.Elapsed.TotalSeconds;
            torchTimes.Write += watch.Elapsed.TotalSeconds;
        }
        File.Delete(output);
        Console.WriteLine($"{files.Count} clips, {audio:0} audio-s, one thread; max |log-mel NWaves - torch| = {worstDiff:E2}");
        foreach (var (name, times) in new[] { ("NWaves (core)", nwaves), ("torch.stft (before)", torchTimes) })
        {
            double total = decode + times.Stft + times.Mel + times.Write;
            Console.WriteLine($"{name}: {total:0.00} s = {audio / total:0} audio-s per CPU-s");
            foreach (var (stage, seconds) in new[] { ("decode", decode), ("stft", times.Stft), ("mel+log", times.Mel), ("write", times.Write) })
                Console.WriteLine($"  {stage,-8} {seconds,7:0.00} s  {100 * seconds / total,5:0.0}%");
        }
        return 0;
    }

    private sealed class StageTimes
    {
        public double Stft;
        public double Mel;
        public double Write;
    }
}
