using System.Globalization;
using System.Text.Json;
using FreesoundTagging.Features;
using FreesoundTagging.Inference;
using FreesoundTagging.Models;
using FreesoundTagging.Predict;
using FreesoundTagging.Tests.Support;
using Xunit;
using FreesoundTagging.Jobs;

namespace FreesoundTagging.Tests.CommandLine;

/// <summary>predict's tagging mode: every output format parsed back, folders of mixed formats, timelines, model info.</summary>
[Collection(TorchCollection.Name)]
public class TaggingOutputTests
{
    private static string Formats(string name) => Golden.PathOf("formats/" + name);

    /// <summary>A folder with WAVs at the top, an MP3, an Ogg and a FLAC in a subfolder, and a text file.</summary>
    private static (string Model, string Audio, string[] TopLevel, string[] Nested) Setup(TempDir dir)
    {
        string model = TinyModelFile.Write(dir.File("m.fstmodel"));
        var (audio, _, rows) = TinyCorpus.Write(dir.Path, perClass: 1);
        Directory.CreateDirectory(Path.Combine(audio, "more"));
        string[] nested = ["tone.flac", "tone.mp3", "tone.ogg"];
        foreach (string name in nested) File.Copy(Formats(name), Path.Combine(audio, "more", name));
        File.WriteAllText(Path.Combine(audio, "more", "notes.txt"), "not audio");
        return (model, audio, rows.Select(r => Path.Combine(audio, r.Fname)).Order(StringComparer.Ordinal).ToArray(),
            nested.Select(n => Path.Combine(audio, "more", n)).ToArray());
    }

    [Fact]
    public void JsonOfAMixedFolderIsCleanOnStdoutWithSkippedFilesOnStderr()
    {
        using var dir = new TempDir();
        var (model, audio, top, nested) = Setup(dir);

        var r = ConsoleCapture.Run(PredictCommand.Run, model, audio, "--recursive", "--format", "json", "--device", "cpu");

        Assert.True(r.Exit == 0, r.Err);
        using var json = JsonDocument.Parse(r.Out);
        var files = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(top.Concat(nested).Order(StringComparer.Ordinal), files.Select(f => f.GetProperty("path").GetString()));
        foreach (var f in files)
        {
            Assert.True(f.GetProperty("duration_s").GetDouble() > 0.1);
            var labels = f.GetProperty("labels").EnumerateArray().Select(l => (Label: l.GetProperty("label").GetString()!, P: l.GetProperty("probability").GetDouble())).ToList();
            Assert.Equal(3, labels.Count);
            Assert.Equal(TinyCorpus.Classes.Order(), labels.Select(l => l.Label).Order());
            Assert.True(labels[0].P >= labels[1].P && labels[1].P >= labels[2].P);
            Assert.Equal(1.0, labels.Sum(l => l.P), 3);
            Assert.False(f.TryGetProperty("error", out _));
        }
        Assert.Contains($"skipped {Path.Combine(audio, "more", "notes.txt")}: not a recognised audio format", r.Err);
    }

    [Fact]
    public void WithoutRecursiveSubfoldersAreNotEntered()
    {
        using var dir = new TempDir();
        var (model, audio, top, _) = Setup(dir);
        var r = ConsoleCapture.Run(PredictCommand.Run, model, audio, "--format", "json", "--device", "cpu");
        Assert.True(r.Exit == 0, r.Err);
        using var json = JsonDocument.Parse(r.Out);
        Assert.Equal(top, json.RootElement.EnumerateArray().Select(f => f.GetProperty("path").GetString()));
    }

    [Theory]
    [InlineData("csv", ",")]
    [InlineData("tsv", "\t")]
    public void DelimitedOutputHasAHeaderAndSeparateLabelAndProbabilityColumns(string format, string delimiter)
    {
        using var dir = new TempDir();
        var (model, audio, top, nested) = Setup(dir);
        var r = ConsoleCapture.Run(PredictCommand.Run, model, audio, "-r", "--format", format, "--top-k", "2", "--device", "cpu");
        Assert.True(r.Exit == 0, r.Err);

        var rows = ParseDelimited(r.Out, delimiter);
        Assert.Equal(["path", "duration_s", "label_1", "probability_1", "label_2", "probability_2", "error", "warning"], rows[0]);
        Assert.Equal(top.Concat(nested).Order(StringComparer.Ordinal), rows.Skip(1).Select(row => row[0]));
        foreach (var row in rows.Skip(1))
        {
            Assert.Contains(row[2], TinyCorpus.Classes);
            Assert.Contains(row[4], TinyCorpus.Classes);
            Assert.True(double.Parse(row[3], CultureInfo.InvariantCulture) >= double.Parse(row[5], CultureInfo.InvariantCulture));
            Assert.Equal("", row[6]);
        }
    }

    [Fact]
    public void AllGivesEveryClassProbabilityInClassOrder()
    {
        using var dir = new TempDir();
        var (model, audio, top, _) = Setup(dir);
        var r = ConsoleCapture.Run(PredictCommand.Run, model, audio, "--format", "csv", "--all", "--device", "cpu");
        Assert.True(r.Exit == 0, r.Err);
        var rows = ParseDelimited(r.Out, ",");
        Assert.Equal(["path", "duration_s", .. TinyCorpus.Classes, "error", "warning"], rows[0]);
        Assert.Equal(top.Length, rows.Count - 1);
        Assert.All(rows.Skip(1), row => Assert.Equal(1.0, row[2..5].Sum(p => double.Parse(p, CultureInfo.InvariantCulture)), 4));

        var json = ConsoleCapture.Run(PredictCommand.Run, model, top[0], "--format", "json", "--all", "--device", "cpu");
        using var doc = JsonDocument.Parse(json.Out);
        var probabilities = doc.RootElement[0].GetProperty("probabilities");
        Assert.Equal(TinyCorpus.Classes, probabilities.EnumerateObject().Select(p => p.Name));
        Assert.Equal(rows[1][2..5].Select(p => double.Parse(p, CultureInfo.InvariantCulture)), probabilities.EnumerateObject().Select(p => p.Value.GetDouble()));
    }

    [Fact]
    public void AnUnreadableFileGivenByNameIsAnErrorEntryAndAnErrorLine()
    {
        using var dir = new TempDir();
        var (model, _, top, _) = Setup(dir);
        string bad = dir.Write("broken.mp3", "ID3 this is no mp3");

        var r = ConsoleCapture.Run(PredictCommand.Run, model, top[0], bad, "--format", "json", "--device", "cpu");

        Assert.Equal(3, r.Exit);
        using var json = JsonDocument.Parse(r.Out);
        var entries = json.RootElement.EnumerateArray().ToList();
        Assert.Equal(2, entries.Count);
        Assert.Equal(bad, entries[1].GetProperty("path").GetString());
        Assert.Contains("MP3", entries[1].GetProperty("error").GetString());
        Assert.False(entries[1].TryGetProperty("labels", out _));
        Assert.Contains($"error: {bad}: malformed or truncated MP3", r.Err);
    }

    [Theory]
    [InlineData("--top-k", "0")]
    [InlineData("--format", "xml")]
    [InlineData("--timeline", "-1")]
    public void BadTaggingOptionsAreOneLineErrors(string option, string value)
    {
        using var dir = new TempDir();
        var (model, _, top, _) = Setup(dir);
        var r = ConsoleCapture.Run(PredictCommand.Run, model, top[0], option, value, "--device", "cpu");
        // A bad option value is a bad command line: the parser's one error line, then the --help hint.
        Assert.Equal(2, r.Exit);
        Assert.StartsWith($"error: {option}: ", r.Err);
        Assert.Equal(2, r.Err.Trim().Split('\n').Length);
        Assert.Equal("", r.Out);
    }

    [Theory]
    [InlineData("--timeline", "2")]
    [InlineData("--format", "json")]
    [InlineData("--top-k", "5")]
    public void TaggingOptionsAreRefusedForASubmission(string option, string value)
    {
        using var dir = new TempDir();
        var (model, audio, _, _) = Setup(dir);
        string template = dir.Write("sample_submission.csv", "fname,label\n00000000.wav,Low Mid High\n");
        var r = ConsoleCapture.Run(PredictCommand.Run, model, audio, template, "-", dir.File("submission.csv"), option, value, "--device", "cpu");
        Assert.Equal(3, r.Exit);
        Assert.Contains($"{option} is for tagging files", r.Err);
        Assert.False(File.Exists(dir.File("submission.csv")));
    }

    [Fact]
    public void TimelineWindowsAppearInJsonAndInTheTables()
    {
        using var dir = new TempDir();
        string model = TinyModelFile.Write(dir.File("m.fstmodel"));
        string wav = dir.Write("long.wav", TinyCorpus.Tone(440, 2.5));

        var json = ConsoleCapture.Run(PredictCommand.Run, model, wav, "--timeline", "1", "--format", "json", "--device", "cpu");
        Assert.True(json.Exit == 0, json.Err);
        using var doc = JsonDocument.Parse(json.Out);
        var windows = doc.RootElement[0].GetProperty("timeline").EnumerateArray().ToList();
        Assert.Equal([(0.0, 1.0), (1.0, 2.0), (2.0, 2.5)], windows.Select(w => (w.GetProperty("start_s").GetDouble(), w.GetProperty("end_s").GetDouble())));
        Assert.All(windows, w => Assert.Equal(3, w.GetProperty("labels").GetArrayLength()));

        var tsv = ConsoleCapture.Run(PredictCommand.Run, model, wav, "--timeline", "1", "--format", "tsv", "--top-k", "1", "--device", "cpu");
        var rows = ParseDelimited(tsv.Out, "\t");
        Assert.Equal(["path", "duration_s", "start_s", "end_s", "label_1", "probability_1", "error", "warning"], rows[0]);
        Assert.Equal([("0.000", "1.000"), ("1.000", "2.000"), ("2.000", "2.500")], rows.Skip(1).Select(row => (row[2], row[3])));
        Assert.All(rows.Skip(1), row => Assert.Equal(wav, row[0]));
        Assert.Equal(windows.Select(w => w.GetProperty("labels")[0].GetProperty("label").GetString()), rows.Skip(1).Select(row => row[4]));
    }

    [Fact]
    public void TimelineWindowsScoreLikeTheSameAudioTaggedAsAFileOfItsOwn()
    {
        using var dir = new TempDir();
        string model = TinyModelFile.Write(dir.File("m.fstmodel"), maxFrames: 100);
        // 1 s of a low tone, then 1 s of a high one: each window must score like the matching half on its own.
        byte[] low = TinyCorpus.Tone(220, 1), high = TinyCorpus.Tone(3520, 1);
        string both = dir.Write("both.wav", Concatenate(low, high));
        string lowOnly = dir.Write("low.wav", low);

        var result = TaggingJob.Run(new TaggingRequest([model], [both, lowOnly]) { TimelineSeconds = 1, Device = "cpu" });

        var timeline = result.Files[0].Timeline!;
        Assert.Equal(2, timeline.Count);
        // The first window holds frames 0-99 of the whole file; "low.wav" has those frames plus one, and the last
        // frame of the window sees the start of the high tone through the STFT: close, not equal.
        var whole = result.Files[1].Probabilities!;
        for (int c = 0; c < whole.Length; c++) Assert.Equal(whole[c], timeline[0].Probabilities[c], 0.05f);
    }

    [Theory]
    [InlineData(251, 1.0, 2.5, new[] { 0, 100, 200 }, new[] { 100, 100, 51 })]
    [InlineData(201, 1.0, 2.0, new[] { 0, 100 }, new[] { 100, 100 })] // the one frame past the end is centre padding
    [InlineData(50, 1.0, 0.49, new[] { 0 }, new[] { 50 })] // shorter than a window: one window, the whole file
    [InlineData(301, 0.5, 3.0, new[] { 0, 50, 100, 150, 200, 250 }, new[] { 50, 50, 50, 50, 50, 50 })]
    public void TimelineSpansCoverTheFileEdgeToEdge(int frames, double seconds, double duration, int[] firsts, int[] counts)
    {
        int width = TaggingJob.TimelineWindowFrames(FeatureConfig.Original, seconds);
        var spans = TimelineSpans.Of(frames, 44100, 441, width, duration);
        Assert.Equal(firsts, spans.Select(s => s.FirstFrame));
        Assert.Equal(counts, spans.Select(s => s.FrameCount));
        Assert.Equal(0, spans[0].StartSeconds);
        Assert.Equal(duration, spans[^1].EndSeconds);
        for (int i = 1; i < spans.Count; i++) Assert.Equal(spans[i - 1].EndSeconds, spans[i].StartSeconds, 9);
    }

    [Fact]
    public void ModelInfoPlainAndJson()
    {
        using var dir = new TempDir();
        string path = dir.File("m.fstmodel");
        TorchSharp.torch.manual_seed(1);
        var features = FeatureConfig.Original with { MaxFrames = 128 };
        using (var net = ModelVariant.Parse("cnn_2d_vgg").Create(features.MelCount, 3))
        {
            var history = new TrainingHistory([new EpochRecord(1, 1.2, 0.4, 1.1, 0.5, 0.61, 2), new EpochRecord(2, 0.9, 0.6, 1.0, 0.6, 0.72, 2), new EpochRecord(3, 0.8, 0.7, 1.05, 0.6, 0.70, 2)],
                Seed: 7, ElapsedSeconds: 6.5, Recipe: "cnn_2d_vgg, 3 epochs, batch 4, crop 1.28 s, seed 7", DatasetClips: 42);
            ModelFile.Save(path, net, TinyCorpus.Classes, features, history, windowFrames: 128);
        }

        var plain = ConsoleCapture.Run(PredictCommand.Run, path, "--info");
        Assert.True(plain.Exit == 0, plain.Err);
        Assert.Contains("cnn_2d_vgg", plain.Out);
        Assert.Contains("3: Low, Mid, High", plain.Out);
        Assert.Contains("42 clips", plain.Out);
        Assert.Contains("MAP@3 0.7 after the last epoch, best 0.72 at epoch 2", plain.Out);

        var json = ConsoleCapture.Run(PredictCommand.Run, path, "--info", "--format", "json");
        Assert.True(json.Exit == 0, json.Err);
        using var doc = JsonDocument.Parse(json.Out);
        var root = doc.RootElement;
        Assert.Equal("cnn_2d_vgg", root.GetProperty("variant").GetString());
        Assert.Equal(ModelVariant.Parse("cnn_2d_vgg").ParameterCount(64, 3), root.GetProperty("parameters").GetInt64());
        Assert.Equal(TinyCorpus.Classes, root.GetProperty("classes").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(128, root.GetProperty("features").GetProperty("max_frames").GetInt32());
        Assert.Equal(1.28, root.GetProperty("crop_seconds").GetDouble());
        Assert.Equal(1.28, root.GetProperty("window_seconds").GetDouble());
        Assert.Equal(42, root.GetProperty("dataset_clips").GetInt32());
        Assert.Equal(3, root.GetProperty("epochs").GetInt32());
        Assert.Equal(6.5, root.GetProperty("training_seconds").GetDouble());
        Assert.Equal(0.70, root.GetProperty("final_validation_map3").GetDouble());
        Assert.Equal(0.72, root.GetProperty("best_validation_map3").GetDouble());
        Assert.Equal(2, root.GetProperty("best_epoch").GetInt32());
        Assert.StartsWith("cnn_2d_vgg, 3 epochs", root.GetProperty("recipe").GetString());

        var notModel = ConsoleCapture.Run(PredictCommand.Run, path, "--info", Formats("source.wav"));
        Assert.Equal(3, notModel.Exit);
    }

    [Fact]
    public void TimelineWindowsAreTheLengthAsked()
    {
        var f = FeatureConfig.Original;
        Assert.Equal(150, TaggingJob.TimelineWindowFrames(f, 1.5));
        Assert.Equal(500, TaggingJob.TimelineWindowFrames(f, 5));
        Assert.Equal(1, TaggingJob.TimelineWindowFrames(f, 0.001));
    }

    /// <summary>--timeline 1 on a model trained on 0.64 s crops: 1 s windows, each scored in the model's sliding
    /// crops averaged (as a clip of 1 s would be), not silently 0.64 s windows.</summary>
    [Fact]
    public void ACropTrainedModelsTimelineHonoursTheWindowAsked()
    {
        using var dir = new TempDir();
        string model = TinyModelFile.Write(dir.File("vgg.fstmodel"), variant: ModelVariant.Parse("cnn_2d_vgg"), windowFrames: 64);
        string wav = dir.Write("long.wav", TinyCorpus.Tone(440, 2.5));
        string first = dir.Write("first.wav", TinyCorpus.Tone(440, 1.0));

        var r = ConsoleCapture.Run(PredictCommand.Run, model, wav, first, "--timeline", "1", "--format", "json", "--device", "cpu");

        Assert.True(r.Exit == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        var timeline = doc.RootElement[0].GetProperty("timeline").EnumerateArray().ToList();
        Assert.Equal([(0.0, 1.0), (1.0, 2.0), (2.0, 2.5)], timeline.Select(w => (w.GetProperty("start_s").GetDouble(), w.GetProperty("end_s").GetDouble())));
        Assert.DoesNotContain("the crop the model was trained on", r.Err);
        // The first window is the tone's first second, scored as that second alone is.
        var whole = doc.RootElement[1].GetProperty("labels").EnumerateArray().Select(l => (l.GetProperty("label").GetString(), Math.Round(l.GetProperty("probability").GetDouble(), 3))).ToList();
        var window = timeline[0].GetProperty("labels").EnumerateArray().Select(l => (l.GetProperty("label").GetString(), Math.Round(l.GetProperty("probability").GetDouble(), 3))).ToList();
        Assert.Equal(whole.Select(l => l.Item1), window.Select(l => l.Item1));
    }

    /// <summary>A window shorter than the crop is looped to it, as a short clip is; the note says so before any work.</summary>
    [Fact]
    public void AWindowShorterThanTheCropIsAnnouncedFirst()
    {
        using var dir = new TempDir();
        string model = TinyModelFile.Write(dir.File("vgg.fstmodel"), variant: ModelVariant.Parse("cnn_2d_vgg"), windowFrames: 64);
        string wav = dir.Write("long.wav", TinyCorpus.Tone(440, 1.2));

        var r = ConsoleCapture.Run(PredictCommand.Run, model, wav, "--timeline", "0.4", "--format", "json", "--device", "cpu");

        Assert.True(r.Exit == 0, r.Err);
        using var doc = JsonDocument.Parse(r.Out);
        Assert.Equal(3, doc.RootElement[0].GetProperty("timeline").GetArrayLength());
        Assert.Contains("timeline: windows of 0.4 s are shorter than the 0.64 s crop the model was trained on; each is looped to the crop", r.Err);
    }

    private static List<string[]> ParseDelimited(string text, string delimiter)
    {
        var rows = new List<string[]>();
        if (delimiter == "\t")
        {
            foreach (string line in text.Split('\n', StringSplitOptions.RemoveEmptyEntries)) rows.Add(line.TrimEnd('\r').Split('\t'));
            return rows;
        }
        var row = new List<string>();
        var field = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < text.Length; i++)
        {
            char c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"') { field.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else field.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { row.Add(field.ToString()); field.Clear(); }
            else if (c == '\n') { row.Add(field.ToString()); field.Clear(); rows.Add([.. row]); row.Clear(); }
            else if (c != '\r') field.Append(c);
        }
        if (field.Length > 0 || row.Count > 0) { row.Add(field.ToString()); rows.Add([.. row]); }
        return rows;
    }

    private static byte[] Concatenate(byte[] a, byte[] b)
    {
        var first = FreesoundTagging.Tests.Support.WholeClipDecoder.ReadWav(new MemoryStream(a));
        var second = FreesoundTagging.Tests.Support.WholeClipDecoder.ReadWav(new MemoryStream(b));
        short[] samples = first.Samples.Concat(second.Samples).Select(x => (short)Math.Round(x * 32768)).ToArray();
        return new FreesoundTagging.Tests.Audio.WavBuilder().Fmt(FreesoundTagging.Tests.Audio.WavBuilder.Pcm, 1, 44100, 16)
            .Data(FreesoundTagging.Tests.Audio.WavBuilder.Pcm16(samples)).ToArray();
    }
}
