using System.Diagnostics;
using FreesoundTagging.Tests.Audio;

namespace FreesoundTagging.Tests.Support;

/// <summary>A tiny corpus, its submission template and an untrained model: what the process-level tests run the
/// commands on (and feed broken variants of).</summary>
internal sealed class TinyRun : IDisposable
{
    public TinyRun()
    {
        (Audio, TrainCsv, Rows) = TinyCorpus.Write(Dir.Path, perClass: 1);
        Template = Dir.Write("sample_submission.csv", "fname,label\n" + string.Join("\n", Rows.Select(r => $"{r.Fname},Low Mid High")) + "\n");
        Model = TinyModelFile.Write(Dir.File("m.fstmodel"));
    }

    public TempDir Dir { get; } = new();

    public string Audio { get; }

    public string TrainCsv { get; }

    public List<(string Fname, string Label)> Rows { get; }

    public string Template { get; }

    public string Model { get; }

    /// <summary>A float64 WAV of finite samples around 1e200, beyond what the float32 samples of the front end hold.</summary>
    public static byte[] HugeFloatWav() =>
        new WavBuilder().Fmt(WavBuilder.IeeeFloat, 1, 44100, 64).Data(WavBuilder.Float64(Enumerable.Range(0, 8000).Select(i => 1e200 * Math.Sin(i * 0.1)).ToArray())).ToArray();

    /// <summary>A float32 WAV of finite samples around 1e30: the float64 front end keeps their features finite.</summary>
    public static byte[] LoudFloat32Wav() =>
        new WavBuilder().Fmt(WavBuilder.IeeeFloat, 1, 44100, 32).Data(WavBuilder.Float32(Enumerable.Range(0, 8000).Select(i => (float)(1e30 * Math.Sin(i * 0.1))).ToArray())).ToArray();

    public static void Run(string program, params string[] args)
    {
        var info = new ProcessStartInfo(program) { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (string a in args) info.ArgumentList.Add(a);
        using var p = System.Diagnostics.Process.Start(info)!;
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', args)}: {p.StandardError.ReadToEnd()}");
    }

    public static void MkFifo(string path) => Run("mkfifo", path);


    public void Dispose() => Dir.Dispose();
}
