using System.Text.Json;
using FreesoundTagging.Datasets;
using FreesoundTagging.Inputs;
using FreesoundTagging.Model;
using FreesoundTagging.Models;
using FreesoundTagging.Predict;
using FreesoundTagging.Tests.Support;
using NumSharp;
using Xunit;
using FreesoundTagging.Jobs;

namespace FreesoundTagging.Tests.CommandLine;

/// <summary><c>inputs</c>' front-end options (--sample-rate, --n-fft, --hop, --mels, --fmin, --fmax, --log-offset, --pad-mode):
/// the arrays match librosa for the settings asked for, the settings travel to the model, and predict uses them.</summary>
[Collection(TorchCollection.Name)]
public class FeatureOptionsTests
{
    /// <summary>As in LogMelExtractorTests: ours stays in float64 until the log, librosa's float64 mel is the reference.</summary>
    private const double Tolerance = 1e-5;

    /// <summary>librosa.feature.melspectrogram's defaults (hop 512, 128 bands, 0 to Nyquist, constant padding), at a
    /// clip's own rate (22.05 and 44.1 kHz): the golden set's "librosa_default" vectors.</summary>
    [Theory]
    [InlineData("mix_22k_pcm16", 22050)]
    [InlineData("chirp_44k_pcm16", 44100)]
    public void TheOptionsGiveLibrosasFeaturesForThoseSettings(string clip, int rate)
    {
        using var dir = new TempDir();
        string audio = Directory.CreateDirectory(dir.File("audio")).FullName;
        File.Copy(Golden.PathOf($"wav/{clip}.wav"), Path.Combine(audio, $"{clip}.wav"));
        string train = dir.Write("train.csv", $"fname,label\n{clip}.wav,Tone\n");
        var (shape, mel64) = Golden.LoadDouble($"librosa/{clip}.librosa_default.mel64.npy");
        int mels = shape[0], frames = shape[1];

        var r = ConsoleCapture.Run(InputsCommand.Run, audio, train, "--out-dir", dir.Path, "--max-frames", frames.ToString(),
            "--sample-rate", rate.ToString(), "--hop", "512", "--mels", "128", "--fmin", "0", "--fmax", (rate / 2).ToString(), "--pad-mode", "constant", "--log-offset", "1e-6");

        Assert.True(r.Exit == 0, r.Err);
        Assert.DoesNotContain("truncated", r.Err);
        var f = DatasetInfo.Read(dir.File("dataset.json")).Features;
        Assert.Equal((rate, 2048, 512, 128, 0.0, rate / 2.0, FreesoundTagging.Features.StftPadMode.Constant, 1e-6), (f.SampleRate, f.FftSize, f.HopLength, f.MelCount, f.FMinHz, f.FMaxHz, f.PadMode, f.LogOffset));
        NDArray samples = np.load_npy(dir.File("samples.npy"), false, 100_000);
        Assert.Equal(new long[] { 1, frames, mels }, samples.shape.Select(d => (long)d).ToArray());
        float[] values = samples.ToArray<float>();
        double worst = 0;
        for (int t = 0; t < frames; t++)
            for (int m = 0; m < mels; m++)
                worst = Math.Max(worst, Math.Abs(Math.Log(mel64[m * frames + t] + f.LogOffset) - values[t * mels + m]));
        Assert.True(worst <= Tolerance, $"worst |samples.npy - ln(librosa mel + offset)| = {worst}");
    }

    /// <summary>Speech-style settings (16 kHz, 10 ms hop, 40 bands): a model trained on them records them, and predict
    /// computes the same features for the test clips without being told (it would fail on 64 bands otherwise).</summary>
    [Fact]
    public void SettingsTravelThroughTheModelToPredict()
    {
        using var dir = new TempDir();
        var (audio, train, rows) = TinyCorpus.Write(dir.Path, perClass: 3);
        string template = dir.Write("sample_submission.csv", "fname,label\n" + string.Join("\n", rows.Select(r => $"{r.Fname},Low Mid High")) + "\n");
        var inputs = ConsoleCapture.Run(InputsCommand.Run, audio, train, "--out-dir", dir.Path, "--max-frames", "120",
            "--sample-rate", "16000", "--n-fft", "512", "--hop", "160", "--mels", "40", "--fmin", "20", "--fmax", "8000");
        Assert.True(inputs.Exit == 0, inputs.Err);
        Assert.Contains("samples.npy (9, 120, 40)", inputs.Out);

        var model = ConsoleCapture.Run(ModelCommand.Run, "cnn_2d_vgg", dir.File("m.fstmodel"), "--data", dir.Path, "--epochs", "1", "--batch-size", "4",
            "--crop", "0.5", "--seed", "1", "--device", "cpu");
        Assert.True(model.Exit == 0, model.Err);
        var predict = ConsoleCapture.Run(PredictCommand.Run, dir.File("m.fstmodel"), audio, template, train, dir.File("submission.csv"));
        Assert.True(predict.Exit == 0, predict.Err);
        Assert.Equal(rows.Count + 1, File.ReadAllLines(dir.File("submission.csv")).Length);

        var export = ConsoleCapture.Run(ModelCommand.Run, "export", dir.File("m.fstmodel"), dir.File("e"));
        Assert.True(export.Exit == 0, export.Err);
        using var json = JsonDocument.Parse(File.ReadAllText(dir.File("e.json")));
        var features = json.RootElement.GetProperty("features");
        Assert.Equal((16000, 512, 160, 40), (features.GetProperty("sr").GetInt32(), features.GetProperty("n_fft").GetInt32(), features.GetProperty("hop_length").GetInt32(), features.GetProperty("n_mels").GetInt32()));
        // 0.5 s windows at 100 frames per second.
        Assert.Equal(50, json.RootElement.GetProperty("window_frames").GetInt32());
    }

    /// <summary>--log-reference clip-peak: every clip's loudest value is ln(1 + offset) in samples.npy, and the setting
    /// travels to the model, to predict and to the PyTorch export, and back through an import.</summary>
    [Fact]
    public void TheClipPeakReferenceTravelsThroughTheModelPredictAndTheExport()
    {
        using var dir = new TempDir();
        var (audio, train, rows) = TinyCorpus.Write(dir.Path, perClass: 3);
        string template = dir.Write("sample_submission.csv", "fname,label\n" + string.Join("\n", rows.Select(r => $"{r.Fname},Low Mid High")) + "\n");
        var inputs = ConsoleCapture.Run(InputsCommand.Run, audio, train, "--out-dir", dir.Path, "--log-reference", "clip-peak", "--log-offset", "1e-6");
        Assert.True(inputs.Exit == 0, inputs.Err);
        var info = DatasetInfo.Read(dir.File("dataset.json"));
        Assert.Equal((FreesoundTagging.Features.LogReference.ClipPeak, 1e-6), (info.Features.LogReference, info.Features.LogOffset));
        NDArray samples = np.load_npy(dir.File("samples.npy"), false, 100_000);
        float[] values = samples.ToArray<float>();
        int row = info.Features.MaxFrames * info.Features.MelCount;
        for (int i = 0; i < rows.Count; i++)
        {
            // Rows past the clip are zero padding, louder than any clip frame, so the clip's own frames are read.
            var clip = values.AsSpan(i * row, Math.Min(info.Frames[i], info.Features.MaxFrames) * info.Features.MelCount).ToArray();
            Assert.Equal((float)Math.Log(1 + 1e-6), clip.Max());
        }

        var model = ConsoleCapture.Run(ModelCommand.Run, "cnn_2d_vgg", dir.File("m.fstmodel"), "--data", dir.Path, "--epochs", "1", "--batch-size", "4",
            "--crop", "0.5", "--seed", "1", "--device", "cpu");
        Assert.True(model.Exit == 0, model.Err);
        Assert.Equal(FreesoundTagging.Features.LogReference.ClipPeak, ModelFile.ReadMetadata(dir.File("m.fstmodel")).Features.LogReference);
        var predict = ConsoleCapture.Run(PredictCommand.Run, dir.File("m.fstmodel"), "--info");
        Assert.True(predict.Exit == 0, predict.Err);
        Assert.Contains("ln(mel / the clip's peak + 1e-6)", predict.Out);

        var export = ConsoleCapture.Run(ModelCommand.Run, "export", dir.File("m.fstmodel"), dir.File("e"));
        Assert.True(export.Exit == 0, export.Err);
        using (var json = JsonDocument.Parse(File.ReadAllText(dir.File("e.json"))))
            Assert.Equal("clip-peak", json.RootElement.GetProperty("features").GetProperty("log_reference").GetString());
        var import = ConsoleCapture.Run(ModelCommand.Run, "import", dir.File("e.json"), dir.File("back.fstmodel"));
        Assert.True(import.Exit == 0, import.Err);
        Assert.Equal(ModelFile.ReadMetadata(dir.File("m.fstmodel")).Features, ModelFile.ReadMetadata(dir.File("back.fstmodel")).Features);
        // An export of format 1 spelled the value clip_peak: it still imports as the same features.
        string first = File.ReadAllText(dir.File("e.json")).Replace(FreesoundTagging.Jobs.PyTorchExport.Format, FreesoundTagging.Jobs.PyTorchExport.FirstFormat)
            .Replace("\"clip-peak\"", "\"clip_peak\"");
        Assert.Contains("\"clip_peak\"", first);
        File.WriteAllText(dir.File("first.json"), first);
        var importFirst = ConsoleCapture.Run(ModelCommand.Run, "import", dir.File("first.json"), dir.File("first.fstmodel"));
        Assert.True(importFirst.Exit == 0, importFirst.Err);
        Assert.Equal(ModelFile.ReadMetadata(dir.File("m.fstmodel")).Features, ModelFile.ReadMetadata(dir.File("first.fstmodel")).Features);
        var scored = ConsoleCapture.Run(PredictCommand.Run, dir.File("back.fstmodel"), audio, template, train, dir.File("submission.csv"));
        Assert.True(scored.Exit == 0, scored.Err);
    }

    /// <summary>dataset.json files written before --log-reference existed have no such key, and read as absolute.</summary>
    [Fact]
    public void ADatasetJsonWithoutALogReferenceReadsAsAbsolute()
    {
        using var dir = new TempDir();
        string json = File.ReadAllText(Golden.PathOf("format-1/dataset.json"));
        Assert.Contains("\"logReference\": \"ClipPeak\",", json);
        string path = dir.Write("dataset.json", json.Replace("\"logReference\": \"ClipPeak\",", ""));

        Assert.Equal(FreesoundTagging.Features.FeatureConfig.Original with { MaxFrames = 100 }, DatasetInfo.Read(path).Features);
    }

    /// <summary>Too many bands for the FFT: inputs says how many are empty, and those are exactly the bands that come out
    /// constant (the log of the offset) in samples.npy.</summary>
    [Fact]
    public void BandsThatCoverNoFftBinAreWarnedAboutAndAreTheConstantOnes()
    {
        using var dir = new TempDir();
        var (audio, train, _) = TinyCorpus.Write(dir.Path, perClass: 1);
        var config = new FreesoundTagging.Features.FeatureConfig { FftSize = 512, MelCount = 128, FMinHz = 0, MaxFrames = 100 };
        var bank = FreesoundTagging.Features.MelFilterBank.Create(config);
        Assert.InRange(bank.EmptyFilterCount, 1, 127);
        Assert.Equal(0, FreesoundTagging.Features.MelFilterBank.Create(FreesoundTagging.Features.FeatureConfig.Original).EmptyFilterCount);

        var r = ConsoleCapture.Run(InputsCommand.Run, audio, train, "--out-dir", dir.Path, "--max-frames", "100", "--n-fft", "512", "--mels", "128", "--fmin", "0");

        Assert.True(r.Exit == 0, r.Err);
        Assert.Contains($"warning: {bank.EmptyFilterCount} of 128 mel bands cover no FFT bin", r.Err);
        float[] values = np.load_npy(dir.File("samples.npy"), false, 100_000).ToArray<float>();
        float silent = (float)Math.Log(config.LogOffset);
        // Rows past a clip's own frames are the zero padding, not features.
        var frames = DatasetInfo.Read(dir.File("dataset.json")).Frames;
        var content = frames.SelectMany((n, clip) => Enumerable.Range(clip * 100, n)).ToList();
        var constant = Enumerable.Range(0, 128).Where(m => content.All(row => values[row * 128 + m] == silent)).ToList();
        var empty = Enumerable.Range(0, 128).Where(m => bank.Filters[m].Weights.Length == 0).ToList();
        Assert.Equal(empty, constant);
        Assert.DoesNotContain("cover no FFT bin", ConsoleCapture.Run(InputsCommand.Run, audio, train, "--out-dir", dir.Path, "--max-frames", "100").Err);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1e-3")]
    [InlineData("1e4")]
    public void ALogOffsetThatIsNotPositiveOrIsHugeIsAUsageError(string offset)
    {
        using var dir = new TempDir();
        var (audio, train, _) = TinyCorpus.Write(dir.Path, perClass: 1);
        var r = ConsoleCapture.Run(InputsCommand.Run, audio, train, "--out-dir", dir.Path, "--log-offset", offset);
        Assert.Equal(2, r.Exit);
        Assert.Contains("--log-offset", r.Err);
        Assert.False(File.Exists(dir.File("samples.npy")));
    }
}
