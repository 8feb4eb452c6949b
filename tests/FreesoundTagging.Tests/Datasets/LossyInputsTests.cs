using System.Runtime.InteropServices;
using FreesoundTagging.Datasets;
using FreesoundTagging.IO;
using FreesoundTagging.Tests.Support;
using Xunit;
using Xunit.Abstractions;
using FreesoundTagging.Jobs;

namespace FreesoundTagging.Tests.Datasets;

/// <summary>
/// <c>inputs</c> with a train.csv naming MP3, Ogg Vorbis and FLAC files (golden/formats: the same 0.25 s clip in
/// each format): the features of each are within a stated distance of the WAV original's.
/// </summary>
[Collection(TorchCollection.Name)]
public class LossyInputsTests(ITestOutputHelper output)
{
    private static readonly string[] Files = ["source.wav", "tone.mp3", "tone.ogg", "tone.flac"];

    private static (string Audio, string Csv) Corpus(TempDir dir)
    {
        string audio = Path.Combine(dir.Path, "audio");
        Directory.CreateDirectory(audio);
        foreach (string f in Files) File.Copy(Golden.PathOf("formats/" + f), Path.Combine(audio, f));
        string csv = dir.Write("train.csv", "fname,label,manually_verified\n" + string.Join("\n", Files.Select((f, i) => $"{f},{(i % 2 == 0 ? "A" : "B")},1")) + "\n");
        return (audio, csv);
    }

    [Fact]
    public void Mp3OggAndFlacFeaturesAreCloseToTheWavOnes()
    {
        using var dir = new TempDir();
        var (audio, csv) = Corpus(dir);
        var result = DatasetBuilder.Build(new InputsRequest { AudioDir = audio, TrainCsv = csv, OutDir = dir.Path, Features = FreesoundTagging.Features.FeatureConfig.Original with { MaxFrames = 40 } });

        Assert.Equal(Files, result.Dataset.Fnames);
        Assert.All(result.Dataset.Frames, f => Assert.Equal(result.Dataset.Frames[0], f)); // gapless MP3, granule-exact Vorbis
        using var samples = MappedNpyArray.Open(result.SamplesPath);
        var rows = Enumerable.Range(0, Files.Length).Select(i =>
        {
            var row = new float[samples.RowElements];
            samples.ReadRow(i, row);
            return row.AsSpan(0, result.Dataset.Frames[i] * 64).ToArray();
        }).ToList();

        // Measured on this clip (ln units; log-mel = ln(mel power + 0.001)): MP3 128 kbit/s mean |d| 0.117, median
        // 0.031, 0.108 on the values within 30 dB of the loudest; Vorbis q3 0.249, 0.033, 0.110. Lossy codecs drop
        // quiet detail, so the largest differences sit in near-silent bands (max 3.4 and 4.9): limits on the mean,
        // the median and the loud values, with room for other encoder builds. FLAC is lossless: identical.
        var limits = new Dictionary<string, (double Mean, double Median, double LoudMean)>
        {
            ["tone.mp3"] = (0.2, 0.06, 0.2),
            ["tone.ogg"] = (0.4, 0.06, 0.2),
            ["tone.flac"] = (0, 0, 0),
        };
        for (int i = 1; i < Files.Length; i++)
        {
            var d = rows[i].Zip(rows[0], (a, b) => Math.Abs((double)a - b)).Order().ToList();
            float loudest = rows[0].Max();
            var loud = rows[i].Zip(rows[0]).Where(p => p.Second > loudest - 6.9).Select(p => Math.Abs((double)p.First - p.Second)).ToList();
            double mean = d.Average(), median = d[d.Count / 2], loudMean = loud.Average();
            output.WriteLine($"{Files[i]} vs WAV: mean |d| {mean:G3}, median {median:G3}, max {d[^1]:G3}; within 30 dB of the loudest: mean {loudMean:G3}, max {loud.Max():G3}");
            var limit = limits[Files[i]];
            Assert.True(mean <= limit.Mean && median <= limit.Median && loudMean <= limit.LoudMean, $"{Files[i]}: mean {mean}, median {median}, loud mean {loudMean}");
        }
    }

    [Fact]
    public void WithoutFfmpegOnPathInputsStopsWithOneLineNamingFileFormatAndFix()
    {
        using var dir = new TempDir();
        var (audio, csv) = Corpus(dir);
        // A PATH without ffmpeg; the apphost finds the runtime through DOTNET_ROOT instead.
        var r = CommandProcess.Run("inputs", [audio, csv, "--threads", "1"], TimeSpan.FromSeconds(120), dir.Path, new Dictionary<string, string?>
        {
            ["PATH"] = "/nonexistent",
            ["DOTNET_ROOT"] = Path.GetFullPath(Path.Combine(RuntimeEnvironment.GetRuntimeDirectory(), "..", "..", "..")),
        });
        string err = r.Err.Trim();
        output.WriteLine(err);

        Assert.Equal(3, r.Exit);
        Assert.Equal($"error: {Path.Combine(audio, "tone.flac")}: FLAC audio needs ffmpeg, which is not on PATH: install ffmpeg (Debian/Ubuntu: apt-get install ffmpeg) or convert the file to WAV", err.Split('\n')[^1]);
        Assert.False(File.Exists(dir.File("samples.npy")));
    }
}
