using System.Globalization;
using System.Text.Json;
using FreesoundTagging.Inference;
using FreesoundTagging.Tests.Audio;
using FreesoundTagging.Tests.Support;
using Xunit;
using FreesoundTagging.Jobs;

namespace FreesoundTagging.Tests.CommandLine;

/// <summary>Tagging as a user meets it: missing paths, doubtful clips (cut short, silent), a probability threshold,
/// and results written file by file (JSON Lines).</summary>
[Collection(TorchCollection.Name)]
public class TaggingStreamTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private static byte[] Silence(double seconds) =>
        new WavBuilder().Fmt(WavBuilder.Pcm, 1, 44100, 16).Data(WavBuilder.Pcm16(new short[(int)(seconds * 44100)])).ToArray();

    [Fact]
    public void AMissingPathIsThatFilesErrorAndTheOthersAreTagged()
    {
        using var dir = new TempDir();
        string model = TinyModelFile.Write(dir.File("m.fstmodel"));
        string a = dir.Write("a.wav", TinyCorpus.Tone(440, 0.5));
        string notes = dir.Write("notes.txt", "not audio");
        string missing = dir.File("nosuch.wav");

        var r = CommandProcess.Run("predict", Patience, model, a, missing, notes, "--format", "json", "--device", "cpu");

        Assert.Equal(3, r.Exit);
        using var json = JsonDocument.Parse(r.Out);
        var files = json.RootElement.EnumerateArray().ToList();
        Assert.Equal([a, missing, notes], files.Select(f => f.GetProperty("path").GetString()));
        Assert.Equal(3, files[0].GetProperty("labels").GetArrayLength());
        Assert.Equal("file not found", files[1].GetProperty("error").GetString());
        Assert.True(files[2].TryGetProperty("error", out _));
        Assert.Contains($"error: {missing}: file not found", r.Err);
    }

    [Fact]
    public void JsonLinesHasOneObjectPerFileAndLineLikeTheJsonArray()
    {
        using var dir = new TempDir();
        string model = TinyModelFile.Write(dir.File("m.fstmodel"));
        var (audio, _, rows) = TinyCorpus.Write(dir.Path, perClass: 1);
        string missing = dir.File("nosuch.wav");

        var lines = CommandProcess.Run("predict", Patience, model, audio, missing, "--format", "jsonl", "--device", "cpu");
        var array = CommandProcess.Run("predict", Patience, model, audio, missing, "--format", "json", "--device", "cpu");

        Assert.Equal(3, lines.Exit);
        string[] objects = lines.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(rows.Count + 1, objects.Length);
        using var whole = JsonDocument.Parse(array.Out);
        for (int i = 0; i < objects.Length; i++)
        {
            Assert.DoesNotContain("\n", objects[i]);
            using var one = JsonDocument.Parse(objects[i]);
            Assert.Equal(whole.RootElement[i].GetRawText().Replace(" ", "").Replace("\n", ""), one.RootElement.GetRawText().Replace(" ", ""));
        }
    }

    /// <summary>Each group of files is handed on as soon as it is scored, before the next one is decoded.</summary>
    [Fact]
    public void ResultsAreHandedOnBeforeTheRestIsDecoded()
    {
        using var dir = new TempDir();
        string model = TinyModelFile.Write(dir.File("m.fstmodel"));
        string folder = Directory.CreateDirectory(dir.File("many")).FullName;
        byte[] clip = TinyCorpus.Tone(440, 0.1);
        for (int i = 0; i < 70; i++) File.WriteAllBytes(Path.Combine(folder, $"{i:000}.wav"), clip);
        var events = new List<string>();

        TaggingJob.Run(new TaggingRequest([model], [folder]) { Device = "cpu", Threads = 2 },
            new InlineProgressForTests(p => events.Add($"done {p.Done}")), tagged: f => events.Add(Path.GetFileName(f.Path)));

        Assert.True(events.IndexOf("000.wav") < events.IndexOf("done 64"));
        Assert.True(events.IndexOf("done 64") < events.IndexOf("069.wav"));
    }

    [Fact]
    public void TruncatedAndSilentClipsAreFlaggedInEveryFormat()
    {
        using var dir = new TempDir();
        string model = TinyModelFile.Write(dir.File("m.fstmodel"));
        string cut = dir.Write("cut.wav", TinyCorpus.Tone(440, 1.0).Take(5000).ToArray());
        string silent = dir.Write("silent.wav", Silence(0.5));
        string clean = dir.Write("clean.wav", TinyCorpus.Tone(440, 0.5));

        var json = CommandProcess.Run("predict", Patience, model, cut, silent, clean, "--format", "json", "--device", "cpu");
        Assert.True(json.Exit == 0, json.Err);
        using var doc = JsonDocument.Parse(json.Out);
        Assert.StartsWith("truncated:", doc.RootElement[0].GetProperty("warnings")[0].GetString());
        Assert.StartsWith("silent:", doc.RootElement[1].GetProperty("warnings")[0].GetString());
        Assert.False(doc.RootElement[2].TryGetProperty("warnings", out _));
        Assert.Contains($"warning: {cut}: truncated", json.Err);
        Assert.Contains($"warning: {silent}: silent", json.Err);

        var jsonl = CommandProcess.Run("predict", Patience, model, cut, silent, clean, "--format", "jsonl", "--device", "cpu");
        Assert.Contains("\"warnings\":[\"truncated:", jsonl.Out.Split('\n')[0]);

        foreach (string format in new[] { "tsv", "csv" })
        {
            var table = CommandProcess.Run("predict", Patience, model, cut, silent, clean, "--format", format, "--device", "cpu");
            string[] lines = table.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.EndsWith("error" + (format == "csv" ? "," : "\t") + "warning", lines[0]);
            Assert.Contains("truncated:", lines[1]);
            Assert.Contains("silent:", lines[2]);
            Assert.EndsWith(format == "csv" ? ",," : "\t\t", lines[3]);
        }
    }

    [Fact]
    public void ANearSilentClipIsFlagged()
    {
        using var dir = new TempDir();
        string model = TinyModelFile.Write(dir.File("m.fstmodel"));
        var quiet = new short[22050];
        for (int i = 0; i < quiet.Length; i++) quiet[i] = (short)(i % 2 == 0 ? 3 : -3); // peak 3/32768: -81 dBFS
        string path = dir.Write("quiet.wav", new WavBuilder().Fmt(WavBuilder.Pcm, 1, 44100, 16).Data(WavBuilder.Pcm16(quiet)).ToArray());
        var r = CommandProcess.Run("predict", Patience, model, path, "--format", "jsonl", "--device", "cpu");
        Assert.True(r.Exit == 0, r.Err);
        Assert.Contains("near-silent: peak -81 dBFS", r.Out);
    }

    [Fact]
    public void AThresholdKeepsOnlyLabelsThatReachIt()
    {
        using var dir = new TempDir();
        string model = TinyModelFile.Write(dir.File("m.fstmodel"));
        string clip = dir.Write("a.wav", TinyCorpus.Tone(440, 0.5));
        var all = CommandProcess.Run("predict", Patience, model, clip, "--format", "tsv", "--device", "cpu");
        string[] row = all.Out.Split('\n')[1].Split('\t');
        double second = double.Parse(row[5], CultureInfo.InvariantCulture);
        double threshold = Math.Round(second + 1e-6, 6);

        var r = CommandProcess.Run("predict", Patience, model, clip, "--format", "tsv", "--device", "cpu", "--threshold", threshold.ToString(CultureInfo.InvariantCulture));
        Assert.True(r.Exit == 0, r.Err);
        string[] kept = r.Out.Split('\n')[1].Split('\t');
        Assert.Equal(row[2], kept[2]);
        Assert.Equal(["", "", "", ""], kept[4..8]);

        var none = CommandProcess.Run("predict", Patience, model, clip, "--format", "jsonl", "--device", "cpu", "--threshold", "1");
        Assert.Contains("\"labels\":[]", none.Out);

        var bad = CommandProcess.Run("predict", Patience, model, clip, "--threshold", "1.5");
        Assert.Equal(2, bad.Exit);
        Assert.StartsWith("error: --threshold: must be a probability from 0 to 1", bad.Err);
    }

    private sealed class InlineProgressForTests(Action<PredictionProgress> report) : IProgress<PredictionProgress>
    {
        public void Report(PredictionProgress value) => report(value);
    }
}
