using FreesoundTagging.Tests.Audio;

namespace FreesoundTagging.Tests.Support;

/// <summary>
/// A handful of generated WAV clips and a train.csv: each class is a tone at its own pitch, so a model can tell
/// them apart. Clips vary in length (0.2–1.2 s), one is stereo and one is 22.05 kHz to exercise mixing and
/// resampling.
/// </summary>
internal static class TinyCorpus
{
    public static readonly string[] Classes = ["Low", "Mid", "High"];

    private static readonly double[] Pitches = [220, 880, 3520];

    public static (string AudioDir, string TrainCsv, List<(string Fname, string Label)> Rows) Write(string root, int perClass = 3, int seed = 5)
    {
        string audio = Path.Combine(root, "audio_train");
        Directory.CreateDirectory(audio);
        var random = new Random(seed);
        var rows = new List<(string, string)>();
        for (int i = 0; i < perClass * Classes.Length; i++)
        {
            int c = i % Classes.Length;
            string fname = $"{i:x8}.wav";
            double seconds = 0.2 + random.NextDouble();
            int rate = i == 4 ? 22050 : 44100;
            int channels = i == 2 ? 2 : 1;
            File.WriteAllBytes(Path.Combine(audio, fname), Tone(Pitches[c] * (1 + 0.05 * random.NextDouble()), seconds, rate, channels, random));
            rows.Add((fname, Classes[c]));
        }
        string csv = Path.Combine(root, "train.csv");
        File.WriteAllLines(csv, new[] { "fname,label,manually_verified" }.Concat(rows.Select((r, i) => $"{r.Item1},{r.Item2},{(i % 4 == 3 ? 0 : 1)}")));
        return (audio, csv, rows);
    }

    public static byte[] Tone(double hz, double seconds, int rate = 44100, int channels = 1, Random? noise = null)
    {
        int frames = (int)(seconds * rate);
        var samples = new short[frames * channels];
        for (int t = 0; t < frames; t++)
        {
            double v = 0.4 * Math.Sin(2 * Math.PI * hz * t / rate) + 0.02 * ((noise?.NextDouble() ?? 0.5) - 0.5);
            for (int ch = 0; ch < channels; ch++) samples[t * channels + ch] = (short)(v * 32767 / (ch + 1));
        }
        return new WavBuilder().Fmt(WavBuilder.Pcm, channels, rate, 16).Data(WavBuilder.Pcm16(samples)).ToArray();
    }
}
