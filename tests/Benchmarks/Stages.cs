using System.Diagnostics;
using FreesoundTagging.Audio;
using FreesoundTagging.Features;
using FreesoundTagging.IO;
using FreesoundTagging.Runtime;
using TorchSharp;
using FreesoundTagging.Torch;

/// <summary>
/// bench stages &lt;audio_dir&gt;: where inputs' time goes, one clip at a time on one thread, for the NWaves front
/// end the core uses and, in the same run on the same decoded clips, the torch.stft one it replaced: decode (read
/// WAV, mono, resample: the core's source read to its end), log-mel (the core's one streamed path: frame, window,
/// FFT, |X|², filter bank, log; torch's split into STFT and mel) and write (pad to 3001 rows, .npy). Prints each
/// stage's seconds and share, audio-seconds per CPU-second, and the largest difference between the two front ends'
/// log-mels.
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
                float[] samples;
                using (var source = AudioLoader.OpenMono(file, config.SampleRate)) samples = source.ReadToEnd();
                decode += watch.Elapsed.TotalSeconds;
                if (samples.Length == 0) continue;
                audio += samples.Length / (double)config.SampleRate;

                watch.Restart();
                LogMel mel = extractor.Extract(new MemorySource(samples, config.SampleRate));
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
            var stages = times.Stft > 0
                ? new[] { ("decode", decode), ("stft", times.Stft), ("mel+log", times.Mel), ("write", times.Write) }
                : new[] { ("decode", decode), ("log-mel", times.Mel), ("write", times.Write) };
            foreach (var (stage, seconds) in stages)
                Console.WriteLine($"  {stage,-8} {seconds,7:0.00} s  {100 * seconds / total,5:0.0}%");
        }
        return 0;
    }

    /// <summary>Seconds per stage; the core's front end has no separate STFT stage (Stft stays 0), its log-mel is one pass.</summary>
    private sealed class StageTimes
    {
        public double Stft;
        public double Mel;
        public double Write;
    }

    /// <summary>A decoded clip handed to the extractor in 16,384-sample reads, as a decoder's source hands it.</summary>
    private sealed class MemorySource(float[] samples, int sampleRate) : IMonoSampleSource
    {
        public int SampleRate => sampleRate;

        public long LengthHint => samples.Length;

        public long Position { get; private set; }

        public bool Truncated => false;

        public int Read(Span<float> destination)
        {
            int count = (int)Math.Min(Math.Min(destination.Length, 16 * 1024), samples.Length - Position);
            samples.AsSpan((int)Position, count).CopyTo(destination);
            Position += count;
            return count;
        }

        public void Dispose()
        {
        }
    }
}
