using FreesoundTagging.Inference;
using FreesoundTagging.Scoring;
using FreesoundTagging.Runtime;
using FreesoundTagging.Tests.Audio;
using FreesoundTagging.Tests.Support;
using NumSharp;
using Xunit;
using FreesoundTagging.Jobs;
using FreesoundTagging.Torch;

namespace FreesoundTagging.Tests.Jobs;

[Collection(TorchCollection.Name)]
public class SubmissionJobTests
{
    public SubmissionJobTests() => TorchRuntime.Initialise();

    private sealed record Setup(TempDir Dir, string Audio, string TrainCsv, string Template, string Model, List<(string Fname, string Label)> Rows) : IDisposable
    {
        public void Dispose() => Dir.Dispose();
    }

    private static Setup Create(int perClass = 2)
    {
        var dir = new TempDir();
        var (audio, train, rows) = TinyCorpus.Write(dir.Path, perClass);
        // The test clips are the training clips in reverse order, so row order is checked too.
        string template = dir.Write("sample_submission.csv", "fname,label\n" + string.Join("\n", rows.AsEnumerable().Reverse().Select(r => $"{r.Fname},Low Mid High")) + "\n");
        string model = TinyModelFile.Write(dir.File("m.fstmodel"));
        return new Setup(dir, audio, train, template, model, rows);
    }

    private static SubmissionRequest Request(Setup s) => new()
    {
        ModelPaths = [s.Model], AudioDir = s.Audio, SampleSubmissionCsv = s.Template, TrainCsv = s.TrainCsv, OutputCsv = s.Dir.File("submission.csv"), Threads = 2, Device = "cpu",
    };

    [Fact]
    public void WritesTopThreeLabelsInTemplateOrder()
    {
        using var s = Create();
        var result = SubmissionJob.Run(Request(s));

        string[] lines = File.ReadAllLines(result.OutputCsv);
        Assert.Equal("fname,label", lines[0]);
        Assert.Equal(s.Rows.AsEnumerable().Reverse().Select(r => r.Fname), lines.Skip(1).Select(l => l.Split(',')[0]));
        Assert.All(lines.Skip(1), l =>
        {
            string[] labels = l.Split(',')[1].Split(' ');
            Assert.Equal(3, labels.Length);
            Assert.Equal(3, labels.Distinct().Count());
            Assert.All(labels, x => Assert.Contains(x, TinyCorpus.Classes));
        });
        Assert.Empty(result.Fallbacks);
    }

    [Theory]
    [InlineData(EnsembleMean.Arithmetic)]
    [InlineData(EnsembleMean.Geometric)]
    public void SeveralModelsAverageTheirProbabilities(EnsembleMean mean)
    {
        using var s = Create();
        string second = TinyModelFile.Write(s.Dir.File("m2.fstmodel"), seed: 8, variant: FreesoundTagging.Models.ModelVariant.Vgg2d, windowFrames: 30);
        SubmissionJob.Run(Request(s) with { ProbabilitiesPath = s.Dir.File("p1.npy") });
        SubmissionJob.Run(Request(s) with { ModelPaths = [second], ProbabilitiesPath = s.Dir.File("p2.npy"), OutputCsv = s.Dir.File("s2.csv") });
        SubmissionJob.Run(Request(s) with { ModelPaths = [s.Model, second], Mean = mean, ProbabilitiesPath = s.Dir.File("p12.npy"), OutputCsv = s.Dir.File("s12.csv") });

        float[] Read(string name) => np.load_npy(s.Dir.File(name), false, 100_000).ToArray<float>();
        float[] p1 = Read("p1.npy"), p2 = Read("p2.npy"), p12 = Read("p12.npy");
        for (int row = 0; row < s.Rows.Count; row++)
        {
            var expected = EnsembleAverage.Combine([p1.AsSpan(row * 3, 3).ToArray(), p2.AsSpan(row * 3, 3).ToArray()], mean);
            for (int c = 0; c < 3; c++) Assert.Equal(expected[c], p12[row * 3 + c], 5);
        }
    }

    [Fact]
    public void AnEnsembleOfModelsWithOtherClassesIsRefused()
    {
        using var s = Create();
        string other = TinyModelFile.Write(s.Dir.File("other.fstmodel"), ["Low", "High", "Mid"]);
        var e = Assert.Throws<InvalidModelException>(() => SubmissionJob.Run(Request(s) with { ModelPaths = [s.Model, other] }));
        Assert.Contains("class 1 is 'High' in the model but 'Mid' is expected", e.Message);
        Assert.False(File.Exists(s.Dir.File("submission.csv")));

        string otherFeatures = TinyModelFile.Write(s.Dir.File("long.fstmodel"), maxFrames: 150);
        e = Assert.Throws<InvalidModelException>(() => SubmissionJob.Run(Request(s) with { ModelPaths = [s.Model, otherFeatures] }));
        Assert.Contains("other feature settings", e.Message);
        Assert.False(File.Exists(s.Dir.File("submission.csv")));
    }

    [Fact]
    public void ProbabilitiesRoundTripAndAgreeWithTheLabels()
    {
        using var s = Create();
        var result = SubmissionJob.Run(Request(s) with { ProbabilitiesPath = s.Dir.File("p.npy"), AllowFallbacks = true });
        NDArray p = np.load_npy(s.Dir.File("p.npy"), false, 100_000);
        Assert.Equal(new long[] { s.Rows.Count, 3 }, p.shape);
        float[] values = p.ToArray<float>();
        string[] lines = File.ReadAllLines(result.OutputCsv);
        for (int i = 0; i < s.Rows.Count; i++)
        {
            var row = values.AsSpan(i * 3, 3).ToArray();
            Assert.Equal(1.0, row.Sum(), 4);
            int best = Array.IndexOf(row, row.Max());
            Assert.Equal(TinyCorpus.Classes[best], lines[i + 1].Split(',')[1].Split(' ')[0]);
        }
    }

    [Fact]
    public void Map3IsThatOfTheWrittenSubmission()
    {
        using var s = Create();
        string truth = s.Dir.Write("truth.csv", "fname,label\n" + string.Join("\n", s.Rows.Select(r => $"{r.Fname},{r.Label}")) + "\n");
        var result = SubmissionJob.Run(Request(s) with { TruthCsv = truth });

        var labels = s.Rows.ToDictionary(r => r.Fname, r => r.Label);
        double expected = File.ReadAllLines(result.OutputCsv).Skip(1).Average(l =>
        {
            var parts = l.Split(',');
            int rank = Array.IndexOf(parts[1].Split(' '), labels[parts[0]]);
            return rank < 0 ? 0 : 1.0 / (rank + 1);
        });
        Assert.Equal(expected, result.Map3!.Value, 12);
        Assert.Equal(s.Rows.Count, result.TruthRows);
    }

    [Fact]
    public void ATruthFileWithADuplicateFnameIsRefused()
    {
        using var s = Create(perClass: 1);
        string truth = s.Dir.Write("truth.csv", $"fname,label\n{s.Rows[0].Fname},Low\n{s.Rows[0].Fname},Mid\n");
        Assert.Contains("duplicate fname", Assert.Throws<InvalidCsvException>(() => SubmissionJob.Run(Request(s) with { TruthCsv = truth })).Message);
    }

    [Fact]
    public void UnscorableClipsKeepTheirTemplateLabelAndAreListed()
    {
        using var s = Create();
        File.WriteAllBytes(Path.Combine(s.Audio, s.Rows[0].Fname), new WavBuilder().Fmt(WavBuilder.Pcm, 1, 44100, 16).Data([]).ToArray());
        File.Delete(Path.Combine(s.Audio, s.Rows[1].Fname));
        var result = SubmissionJob.Run(Request(s) with { ProbabilitiesPath = s.Dir.File("p.npy"), AllowFallbacks = true });

        Assert.Equal(new[] { s.Rows[0].Fname, s.Rows[1].Fname }.Order(), result.Fallbacks.Select(f => f.Fname).Order());
        var lines = File.ReadAllLines(result.OutputCsv).ToDictionary(l => l.Split(',')[0], l => l.Split(',')[1]);
        Assert.Equal("Low Mid High", lines[s.Rows[0].Fname]);
        Assert.Contains(result.Fallbacks, f => f.Reason.Contains("empty"));
        float[] p = np.load_npy(s.Dir.File("p.npy"), false, 100_000).ToArray<float>();
        int row = s.Rows.Count - 1; // rows[0] is the last template row
        Assert.True(float.IsNaN(p[row * 3]));
    }

    [Fact]
    public void ClipsLongerThanTheTrainingLengthAreScoredWhole()
    {
        using var s = Create(perClass: 1);
        File.WriteAllBytes(Path.Combine(s.Audio, s.Rows[0].Fname), TinyCorpus.Tone(440, 3.0)); // 301 frames > 120
        var result = SubmissionJob.Run(Request(s));
        Assert.Empty(result.Fallbacks);
    }

    [Fact]
    public void AClassOrderOtherThanTheModelsIsRefused()
    {
        using var s = Create();
        string other = s.Dir.Write("other.csv", "fname,label\na.wav,Mid\nb.wav,Low\nc.wav,High\n");
        var e = Assert.Throws<InvalidModelException>(() => SubmissionJob.Run(Request(s) with { TrainCsv = other }));
        Assert.Contains("Low", e.Message);
        Assert.False(File.Exists(s.Dir.File("submission.csv")));
    }

    [Theory]
    [InlineData("model")]
    [InlineData("not-a-model")]
    [InlineData("template")]
    [InlineData("audio")]
    [InlineData("out-folder")]
    public void BadInputsAreClearErrorsAndWriteNothing(string what)
    {
        using var s = Create(perClass: 1);
        var request = Request(s);
        request = what switch
        {
            "model" => request with { ModelPaths = [s.Dir.File("none.fstmodel")] },
            "not-a-model" => request with { ModelPaths = [s.TrainCsv] },
            "template" => request with { SampleSubmissionCsv = s.Dir.File("none.csv") },
            "audio" => request with { AudioDir = s.Dir.File("none") },
            _ => request with { OutputCsv = s.Dir.File("no/such/folder/sub.csv") },
        };
        Assert.ThrowsAny<InvalidInputException>(() => SubmissionJob.Run(request));
        Assert.False(File.Exists(s.Dir.File("submission.csv")));
        Assert.DoesNotContain(s.Dir.Files(), f => f.EndsWith(".tmp"));
    }

    [Fact]
    public void TaggingExpandsFoldersAndKeepsAMissingPathAsAFileToReport()
    {
        using var s = Create(perClass: 1);
        var tags = TaggingJob.Run(new TaggingRequest([s.Model], [s.Audio]) { Device = "cpu" });
        Assert.Equal(3, tags.Files.Count);
        Assert.All(tags.Files, t => Assert.Equal(tags.Classes.Count, t.Probabilities!.Length));
        Assert.All(tags.Files, t => Assert.Equal(1f, t.Probabilities!.Sum(), 1e-4f));
        Assert.Equal([s.Dir.File("missing.wav")], TaggingJob.Expand([s.Dir.File("missing.wav")]).Files);
    }
}
