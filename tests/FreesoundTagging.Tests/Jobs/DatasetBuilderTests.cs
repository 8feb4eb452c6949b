using FreesoundTagging.Datasets;
using FreesoundTagging.Features;
using FreesoundTagging.IO;
using FreesoundTagging.Tests.Support;
using NumSharp;
using Xunit;
using FreesoundTagging.Jobs;

namespace FreesoundTagging.Tests.Jobs;

public class DatasetBuilderTests
{
    private static InputsRequest Request(string audio, string csv, string outDir, int maxFrames = 150) => new()
    {
        AudioDir = audio, TrainCsv = csv, OutDir = outDir, Features = FeatureConfig.Original with { MaxFrames = maxFrames }, Threads = 2,
    };

    [Fact]
    public void WritesNumpyArraysAndSidecarInCsvOrder()
    {
        using var dir = new TempDir();
        var (audio, csv, rows) = TinyCorpus.Write(dir.Path);
        Directory.CreateDirectory(dir.File("out"));

        var result = DatasetBuilder.Build(Request(audio, csv, dir.File("out")));

        NDArray samples = np.load_npy(result.SamplesPath, false, 100_000);
        NDArray labels = np.load_npy(result.LabelsPath, false, 100_000);
        Assert.Equal(new long[] { rows.Count, 150, 64 }, samples.shape);
        Assert.Equal(NPTypeCode.Single, samples.typecode);
        Assert.Equal(new long[] { rows.Count, 3 }, labels.shape);
        var info = DatasetInfo.Read(result.DatasetPath);
        Assert.Equal(TinyCorpus.Classes, info.Classes);
        Assert.Equal(rows.Select(r => r.Fname), info.Fnames);
        Assert.Equal(FeatureConfig.Original with { MaxFrames = 150 }, info.Features);
        float[] oneHot = labels.ToArray<float>();
        for (int i = 0; i < rows.Count; i++)
            Assert.Equal(1f, oneHot[i * 3 + Array.IndexOf(TinyCorpus.Classes, rows[i].Label)]);
        Assert.Equal(rows.Count, oneHot.Sum());
        Assert.Equal(new[] { true, true, true, false, true, true, true, false, true }, info.Verified);
    }

    [Fact]
    public void EachRowIsTheClipsLogMelPaddedWithZeros()
    {
        using var dir = new TempDir();
        var (audio, csv, rows) = TinyCorpus.Write(dir.Path);
        var result = DatasetBuilder.Build(Request(audio, csv, dir.Path, maxFrames: 100));
        var extractor = new LogMelExtractor(result.Dataset.Features);
        using var samples = MappedNpyArray.Open(result.SamplesPath);
        for (int i = 0; i < rows.Count; i++)
        {
            var expected = SourceReading.LogMelOf(extractor, Path.Combine(audio, rows[i].Fname));
            Assert.Equal(expected.Frames, result.Dataset.Frames[i]);
            var row = new float[100 * 64];
            samples.ReadRow(i, row);
            int used = Math.Min(expected.Frames, 100) * 64;
            Assert.Equal(expected.Values.AsSpan(0, used).ToArray(), row[..used]);
            Assert.All(row[used..], v => Assert.Equal(0f, v));
        }
        Assert.NotEmpty(result.TruncatedClips);
        Assert.All(result.TruncatedClips, f => Assert.True(result.Dataset.Frames[result.Dataset.Fnames.ToList().IndexOf(f)] > 100));
    }

    /// <summary>Guaranteed by the front end (one thread per clip, fixed-order arithmetic whose vector path gives the scalar path's bits), so exact.</summary>
    [Fact]
    public void SamplesAreTheSameBytesWhateverTheThreadCountAndOnEveryRun()
    {
        using var dir = new TempDir();
        var (audio, csv, _) = TinyCorpus.Write(dir.Path, perClass: 4);
        byte[]? first = null;
        foreach (var (threads, run) in new[] { (1, "a"), (2, "b"), (8, "c"), (2, "d") })
        {
            Directory.CreateDirectory(dir.File(run));
            DatasetBuilder.Build(Request(audio, csv, dir.File(run)) with { Threads = threads });
            byte[] bytes = File.ReadAllBytes(dir.File($"{run}/samples.npy"));
            first ??= bytes;
            Assert.True(first.AsSpan().SequenceEqual(bytes), $"--threads {threads} (run {run}) differs from --threads 1");
        }
    }

    [Fact]
    public void Float64ReproducesTheOriginalsDtype()
    {
        using var dir = new TempDir();
        var (audio, csv, _) = TinyCorpus.Write(dir.Path, perClass: 1);
        var result = DatasetBuilder.Build(Request(audio, csv, dir.Path) with { Dtype = NpyDtype.Float64 });
        Assert.Equal(NPTypeCode.Double, np.load_npy(result.SamplesPath, false, 100_000).typecode);
        Assert.Equal(NPTypeCode.Double, np.load_npy(result.LabelsPath, false, 100_000).typecode);
    }

    [Fact]
    public void VerifiedOnlyKeepsManuallyVerifiedRows()
    {
        using var dir = new TempDir();
        var (audio, csv, rows) = TinyCorpus.Write(dir.Path);
        var result = DatasetBuilder.Build(Request(audio, csv, dir.Path) with { VerifiedOnly = true });
        Assert.Equal(rows.Where((_, i) => i % 4 != 3).Select(r => r.Fname), result.Dataset.Fnames);
        // Positions in train.csv before the filter, so that shards of the verified rows merge back in CSV order.
        Assert.Equal(Enumerable.Range(0, rows.Count).Where(i => i % 4 != 3), result.Dataset.SourceRows!);
        Assert.True(DatasetInfo.Read(result.DatasetPath).VerifiedOnly);
    }

    [Fact]
    public void ShardsTogetherHoldExactlyTheRowsOfOneRunInItsOrder()
    {
        using var dir = new TempDir();
        var (audio, csv, _) = TinyCorpus.Write(dir.Path, perClass: 4);
        Directory.CreateDirectory(dir.File("all"));
        var whole = DatasetBuilder.Build(Request(audio, csv, dir.File("all")));
        var shards = Enumerable.Range(0, 3).Select(k =>
        {
            Directory.CreateDirectory(dir.File($"s{k}"));
            return DatasetBuilder.Build(Request(audio, csv, dir.File($"s{k}")) with { ShardIndex = k, ShardCount = 3 });
        }).ToList();

        using var full = MappedNpyArray.Open(whole.SamplesPath);
        var arrays = shards.Select(s => MappedNpyArray.Open(s.SamplesPath)).ToList();
        Assert.Equal(full.RowCount, arrays.Sum(a => a.RowCount));
        var expected = new float[150 * 64];
        var actual = new float[150 * 64];
        for (int i = 0; i < full.RowCount; i++)
        {
            full.ReadRow(i, expected);
            arrays[i % 3].ReadRow(i / 3, actual);
            Assert.Equal(expected, actual);
            Assert.Equal(whole.Dataset.Fnames[i], shards[i % 3].Dataset.Fnames[i / 3]);
        }
        Assert.Equal("1/3", shards[1].Dataset.Shard);
        arrays.ForEach(a => a.Dispose());
        using var combined = TrainingSet.Open(shards.Select(s => DatasetFiles.In(Path.GetDirectoryName(s.SamplesPath)!)).ToList());
        Assert.Equal(whole.Dataset.RowCount, combined.Count);
    }

    [Fact]
    public void ACorruptClipStopsTheRunNamingTheFileAndLeavesNoOutput()
    {
        using var dir = new TempDir();
        var (audio, csv, rows) = TinyCorpus.Write(dir.Path);
        File.WriteAllText(Path.Combine(audio, rows[5].Fname), "this is not a wav file");
        Directory.CreateDirectory(dir.File("out"));

        var e = Assert.Throws<InvalidAudioException>(() => DatasetBuilder.Build(Request(audio, csv, dir.File("out"))));

        Assert.Contains(rows[5].Fname, e.Message);
        Assert.Empty(Directory.GetFileSystemEntries(dir.File("out")));
    }

    [Fact]
    public void SkipInvalidLeavesOutBadAndMissingClipsAndSaysWhy()
    {
        using var dir = new TempDir();
        var (audio, csv, rows) = TinyCorpus.Write(dir.Path);
        File.WriteAllText(Path.Combine(audio, rows[5].Fname), "ID3 not a wav");
        File.Delete(Path.Combine(audio, rows[7].Fname));
        File.WriteAllBytes(Path.Combine(audio, rows[1].Fname), TinyCorpus.Tone(440, 0)); // header only: empty clip

        var result = DatasetBuilder.Build(Request(audio, csv, dir.Path) with { SkipInvalid = true });

        Assert.Equal(rows.Count - 3, result.Dataset.RowCount);
        Assert.Equal(new[] { rows[1].Fname, rows[5].Fname, rows[7].Fname }, result.Skipped.Select(s => s.Fname).Order());
        Assert.Contains(result.Skipped, s => s.Reason == "file not found");
        Assert.DoesNotContain(rows[5].Fname, result.Dataset.Fnames);
    }

    [Fact]
    public void AMissingListedFileStopsTheRunBeforeAnyWork()
    {
        using var dir = new TempDir();
        var (audio, csv, rows) = TinyCorpus.Write(dir.Path);
        File.Delete(Path.Combine(audio, rows[3].Fname));
        var e = Assert.Throws<InvalidAudioException>(() => DatasetBuilder.Build(Request(audio, csv, dir.Path)));
        Assert.Contains(rows[3].Fname, e.Message);
        Assert.Contains("not found", e.Message);
    }

    [Fact]
    public void AFailedRunKeepsThePreviousCompleteOutputs()
    {
        using var dir = new TempDir();
        var (audio, csv, rows) = TinyCorpus.Write(dir.Path);
        Directory.CreateDirectory(dir.File("out"));
        DatasetBuilder.Build(Request(audio, csv, dir.File("out")));
        byte[] before = File.ReadAllBytes(dir.File("out/samples.npy"));

        File.WriteAllText(Path.Combine(audio, rows[8].Fname), "RIFF....WAVEjunk");
        Assert.Throws<InvalidAudioException>(() => DatasetBuilder.Build(Request(audio, csv, dir.File("out"))));

        Assert.Equal(before, File.ReadAllBytes(dir.File("out/samples.npy")));
        Assert.Equal(new[] { "dataset.json", "labels.npy", "samples.npy" }, Directory.GetFiles(dir.File("out")).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void StaleTempFilesOfAKilledRunAreRemoved()
    {
        using var dir = new TempDir();
        var (audio, csv, _) = TinyCorpus.Write(dir.Path, perClass: 1);
        Directory.CreateDirectory(dir.File("out"));
        File.WriteAllText(dir.File("out/.samples.npy.999999.0123456789abcdef0123456789abcdef.tmp"), "partial");
        DatasetBuilder.Build(Request(audio, csv, dir.File("out")));
        Assert.Equal(new[] { "dataset.json", "labels.npy", "samples.npy" }, Directory.GetFiles(dir.File("out")).Select(Path.GetFileName).Order());
    }

    [Theory]
    [InlineData("nowhere", "train.csv", "audio folder not found")]
    [InlineData("audio_train", "none.csv", "not found")]
    public void MissingInputsAreClearErrors(string audioName, string csvName, string expected)
    {
        using var dir = new TempDir();
        TinyCorpus.Write(dir.Path, perClass: 1);
        var e = Assert.ThrowsAny<InvalidInputException>(() => DatasetBuilder.Build(Request(dir.File(audioName), dir.File(csvName), dir.Path)));
        Assert.Contains(expected, e.Message);
    }
}
