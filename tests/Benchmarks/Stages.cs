using System.Diagnostics;
using FreesoundTagging.Audio;
using FreesoundTagging.Features;
using FreesoundTagging.IO;
using FreesoundTagging.Runtime;
using TorchSharp;

/// <summary>
/// bench stages &lt;audio_dir&gt;: where inputs' time goes, one clip at a time on one thread: decode (read WAV,
/// mono, resample), STFT (pad, torch.stft, power), mel (filter bank, log, copy out) and write (pad to 3001 rows,
/// .npy). Prints each stage's seconds and share, and audio-seconds per CPU-second.
/// </summary>
internal static class Stages
{
    public static int Run(string audioDir)
    {
        TorchRuntime.Initialise(1);
        var config = FeatureConfig.Original;
        using var extractor = new LogMelExtractor(config);
        string output = Path.Combine(Path.GetTempPath(), $"fst-stages-{Environment.ProcessId}.npy");
        var files = Directory.GetFiles(audioDir, "*.wav").Order().ToList();
        var watch = new Stopwatch();
        double decode = 0, stft = 0, mel = 0, write = 0, audio = 0;
        var row = new float[config.MaxFrames * config.MelCount];
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
                using var scope = torch.NewDisposeScope();
                var power = extractor.PowerSpectrogram(samples);
                power.data<float>(); // force the work before the clock stops (libtorch is eager, this is cheap)
                stft += watch.Elapsed.TotalSeconds;
                watch.Restart();
                LogMel m = extractor.LogMelOf(power);
                mel += watch.Elapsed.TotalSeconds;
                watch.Restart();
                Array.Clear(row);
                m.Values.AsSpan(0, Math.Min(m.Frames, config.MaxFrames) * config.MelCount).CopyTo(row);
                writer.WriteRow(row);
                write += watch.Elapsed.TotalSeconds;
            }
            watch.Restart();
            writer.Commit();
            write += watch.Elapsed.TotalSeconds;
        }
        File.Delete(output);
        double total = decode + stft + mel + write;
        Console.WriteLine($"{files.Count} clips, {audio:0} audio-s, one thread: {total:0.00} s = {audio / total:0} audio-s per CPU-s");
        foreach (var (name, seconds) in new[] { ("decode", decode), ("stft", stft), ("mel+log", mel), ("write", write) })
            Console.WriteLine($"  {name,-8} {seconds,7:0.00} s  {100 * seconds / total,5:0.0}%");
        return 0;
    }
}
