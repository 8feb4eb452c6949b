using System.Text.Json;
using FreesoundTagging.Features;
using FreesoundTagging.Predict;
using FreesoundTagging.Tests.Support;
using Xunit;
using FreesoundTagging.Jobs;

namespace FreesoundTagging.Tests.Interop;

/// <summary>The Python module's own log-mel front end (audio straight in, as PANNs users expect): the same features
/// as ours and as librosa's goldens within 1e-5, and its command line tags WAV files as predict does.</summary>
[Collection(TorchCollection.Name)]
public class PythonFrontEndTests
{
    private static readonly FeatureConfig BestRecipe = FeatureConfig.Original with
    {
        LogReference = LogReference.ClipPeak, LogOffset = 1e-6, FMinHz = 20, FMaxHz = 16000,
    };

    private const string FrontEndDriver = """
        import json, sys
        import numpy as np
        sys.path.insert(0, sys.argv[1])
        import freesound_tagging as ft
        jobs = json.load(open(sys.argv[2]))
        worst = {}
        for job in jobs:
            ours = np.fromfile(job["ours"], dtype="<f4").reshape(-1, job["features"]["n_mels"])
            theirs = ft.log_mel_of_file(job["wav"], job["features"])
            assert theirs.shape == ours.shape, (job["wav"], theirs.shape, ours.shape)
            worst[job["name"] + " vs ours"] = float(np.abs(theirs - ours).max())
            if job.get("golden"):
                worst[job["name"] + " vs librosa"] = float(np.abs(theirs - np.load(job["golden"])).max())
        print(json.dumps(worst))
        """;

    [PythonTorchFact]
    public void ThePythonFrontEndGivesOurFeaturesAndLibrosas()
    {
        using var dir = new TempDir();
        var jobs = new List<object>();
        foreach (var (config, tag) in new[] { (FeatureConfig.Original, "original"), (BestRecipe, "clip-peak 20-16000 Hz") })
        {
            var extractor = new LogMelExtractor(config);
            foreach (var row in Golden.Wavs)
            {
                string name = (string)row[0];
                string wav = Golden.PathOf($"wav/{name}.wav");
                var mel = ClipFeatures.Load(extractor, wav).Mel!;
                string ours = dir.File($"{name}.{jobs.Count}.f32");
                File.WriteAllBytes(ours, mel.Values.AsSpan(0, mel.Frames * mel.MelCount).ToArray().SelectMany(BitConverter.GetBytes).ToArray());
                jobs.Add(new
                {
                    name = $"{name} ({tag})", wav, ours,
                    golden = config == FeatureConfig.Original ? Golden.PathOf($"original/{name}.logmel.npy") : null,
                    features = Features(config),
                });
            }
        }
        File.WriteAllText(dir.File("jobs.json"), JsonSerializer.Serialize(jobs));
        var worst = JsonSerializer.Deserialize<Dictionary<string, double>>(PythonTorch.Run(FrontEndDriver, dir.File("jobs.json")))!;
        Assert.Equal(Golden.Wavs.Count() * 3, worst.Count);
        Assert.All(worst, w => Assert.True(w.Value <= 1e-5, $"{w.Key}: {w.Value:E2}"));
    }

    private const string CommandDriver = """
        import json, subprocess, sys
        args = json.load(open(sys.argv[2]))
        r = subprocess.run([sys.executable, sys.argv[1] + "/freesound_tagging.py"] + args, capture_output=True, text=True)
        print(json.dumps({"exit": r.returncode, "out": r.stdout, "err": r.stderr}))
        """;

    [PythonTorchFact]
    public void ThePythonCommandTagsWavFilesAsPredictDoes()
    {
        using var dir = new TempDir();
        var (audio, _, rows) = TinyCorpus.Write(dir.Path, perClass: 2);
        string model = TinyModelFile.Write(dir.File("m.fstmodel"));
        PyTorchExport.Export(model, dir.File("m"));
        var wavs = rows.Select(r => Path.Combine(audio, r.Fname)).ToList();
        File.WriteAllText(dir.File("args.json"), JsonSerializer.Serialize(new[] { dir.File("m.json") }.Concat(wavs)));
        var run = JsonDocument.Parse(PythonTorch.Run(CommandDriver, dir.File("args.json"))).RootElement;
        Assert.True(run.GetProperty("exit").GetInt32() == 0, run.GetProperty("err").GetString());
        var theirs = run.GetProperty("out").GetString()!.Trim().Split('\n');

        var ours = ConsoleCapture.Run(PredictCommand.Run, [model, .. wavs, "--format", "tsv", "--device", "cpu"]);
        Assert.True(ours.Exit == 0, ours.Err);
        var table = ours.Out.Trim().Split('\n').Skip(1).Select(l => l.Split('\t')).ToList();
        Assert.Equal(wavs.Count, theirs.Length);
        for (int i = 0; i < wavs.Count; i++)
        {
            // "path<TAB>Label:0.512 Label:0.301 Label:0.100", file by file in the order given.
            var fields = theirs[i].Split('\t');
            Assert.Equal(wavs[i], fields[0]);
            var top = fields[1].Split(' ').Select(t => (Label: t[..t.LastIndexOf(':')], P: double.Parse(t[(t.LastIndexOf(':') + 1)..], System.Globalization.CultureInfo.InvariantCulture))).ToList();
            var row = table.Single(r => r[0] == wavs[i]);
            for (int k = 0; k < 3; k++)
            {
                Assert.Equal(row[2 + 2 * k], top[k].Label);
                Assert.Equal(double.Parse(row[3 + 2 * k], System.Globalization.CultureInfo.InvariantCulture), top[k].P, 2e-3);
            }
        }
    }

    /// <summary>The export's "features" object for <paramref name="f"/>, as `model export` writes it.</summary>
    private static Dictionary<string, object> Features(FeatureConfig f) => new()
    {
        ["sr"] = f.SampleRate, ["n_fft"] = f.FftSize, ["hop_length"] = f.HopLength, ["n_mels"] = f.MelCount,
        ["fmin"] = f.FMinHz, ["fmax"] = f.FMaxHz, ["pad_mode"] = f.PadMode.ToString().ToLowerInvariant(),
        ["log_offset"] = f.LogOffset, ["log_reference"] = f.LogReference == LogReference.ClipPeak ? "clip-peak" : "absolute",
        ["max_frames"] = f.MaxFrames,
    };
}
