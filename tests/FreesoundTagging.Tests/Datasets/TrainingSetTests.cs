using FreesoundTagging.Datasets;
using FreesoundTagging.IO;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.Datasets;

public class TrainingSetTests
{
    [Fact]
    public void ShardsReadAsOneDatasetInOrder()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("a"));
        Directory.CreateDirectory(dir.File("b"));
        var a = SyntheticDataset.Write(dir.File("a"), rows: 5, classes: 3, seed: 1);
        var b = SyntheticDataset.Write(dir.File("b"), rows: 4, classes: 3, seed: 2, dtype: NpyDtype.Float64);
        using var set = TrainingSet.Open([a, b]);
        Assert.Equal(9, set.Count);
        Assert.Equal(new[] { 0, 1, 2, 0, 1, 0, 1, 2, 0 }, set.Labels);

        var samples = new float[2 * 40 * 16];
        var targets = new float[2 * 3];
        set.FillBatch([6, 0], 40, samples, targets);
        var expected = new float[40 * 16];
        using (var second = MappedNpyArray.Open(b.SamplesPath)) second.ReadRow(1, expected);
        Assert.Equal(expected, samples[..(40 * 16)]);
        Assert.Equal(new float[] { 0, 1, 0, 1, 0, 0 }, targets);
    }

    [Fact]
    public void MissingSidecarSaysToRunInputs()
    {
        using var dir = new TempDir();
        var files = SyntheticDataset.Write(dir.Path, rows: 4, classes: 2);
        File.Delete(files.DatasetPath);
        Assert.Contains("run `inputs` first", Assert.Throws<InvalidInputException>(() => TrainingSet.Open([files])).Message);
    }

    [Fact]
    public void RowCountMismatchBetweenSamplesAndLabelsIsRefused()
    {
        using var dir = new TempDir();
        var files = SyntheticDataset.Write(dir.Path, rows: 4, classes: 2);
        using (var labels = new NpyRowWriter(files.LabelsPath, NpyDtype.Float32, 2))
        {
            for (int i = 0; i < 3; i++) labels.WriteRow(new float[] { 1, 0 });
            labels.Commit();
        }
        var e = Assert.Throws<InvalidArrayException>(() => TrainingSet.Open([files]));
        Assert.Contains("has 4 rows but labels.npy has 3", e.Message);
    }

    [Fact]
    public void WrongRankIsRefused()
    {
        using var dir = new TempDir();
        var files = SyntheticDataset.Write(dir.Path, rows: 4, classes: 2);
        using (var samples = new NpyRowWriter(files.SamplesPath, NpyDtype.Float32, 40 * 16))
        {
            for (int i = 0; i < 4; i++) samples.WriteRow(new float[40 * 16]);
            samples.Commit();
        }
        Assert.Contains("does not match", Assert.Throws<InvalidArrayException>(() => TrainingSet.Open([files])).Message);
    }

    [Fact]
    public void ShardsWithDifferentClassesAreRefused()
    {
        using var dir = new TempDir();
        Directory.CreateDirectory(dir.File("a"));
        Directory.CreateDirectory(dir.File("b"));
        var a = SyntheticDataset.Write(dir.File("a"), rows: 4, classes: 2);
        var b = SyntheticDataset.Write(dir.File("b"), rows: 4, classes: 3);
        Assert.Contains("class list differs", Assert.Throws<InvalidInputException>(() => TrainingSet.Open([a, b])).Message);
    }

    /// <summary>A synthetic set in <paramref name="name"/> relabelled as shard <paramref name="shard"/> holding train.csv rows <paramref name="sourceRows"/>.</summary>
    private static DatasetFiles Shard(TempDir dir, string name, string? shard, int[]? sourceRows, int rows = 2, bool verifiedOnly = false)
    {
        Directory.CreateDirectory(dir.File(name));
        var files = SyntheticDataset.Write(dir.File(name), rows: rows, classes: 2, seed: name[0]);
        var info = DatasetInfo.Read(files.DatasetPath);
        (info with { Shard = shard, SourceRows = sourceRows, VerifiedOnly = verifiedOnly }).Write(files.DatasetPath);
        return files;
    }

    [Fact]
    public void ShardsAreMergedBackIntoTrainCsvOrder()
    {
        using var dir = new TempDir();
        var a = Shard(dir, "a", "1/2", [1, 3]);
        var b = Shard(dir, "b", "0/2", [0, 2, 4], rows: 3);
        using var set = TrainingSet.Open([a, b]);
        Assert.Equal(5, set.Count);
        // b's rows 0, 1, 2 and a's rows 0, 1, interleaved as train.csv had them.
        Assert.Equal(new[] { "clip0000.wav", "clip0000.wav", "clip0001.wav", "clip0001.wav", "clip0002.wav" }, set.Fnames);
        var expected = new float[40 * 16];
        var actual = new float[40 * 16];
        using (var first = MappedNpyArray.Open(a.SamplesPath)) first.ReadRow(1, expected);
        set.ReadClip(3).Values.CopyTo(actual, 0);
        Assert.Equal(expected.Take(set.Frames[3] * 16), actual.Take(set.Frames[3] * 16));
    }

    [Theory]
    [InlineData("0/2", "0/3", "mixes shards of 2 and of 3")]
    [InlineData("0/2", null, "mixes shards with an unsharded set")]
    [InlineData(null, "1/2", "mixes shards with an unsharded set")]
    [InlineData("0/3", "2/3", "shard 1/3 is missing: got 0/3, 2/3")]
    [InlineData("1/2", "1/2", "shard 1/2 is given twice")]
    [InlineData("0/2", "1/x", "says shard '1/x', expected K/N")]
    public void IncompleteOrMixedShardsAreRefused(string? first, string? second, string expected)
    {
        using var dir = new TempDir();
        var a = Shard(dir, "a", first, [0, 2]);
        var b = Shard(dir, "b", second, [1, 3]);
        Assert.Contains(expected, Assert.Throws<InvalidInputException>(() => TrainingSet.Open([a, b])).Message);
    }

    [Fact]
    public void ShardsWithoutSourceRowsHoldingTheSameRowOrCutFromOtherRowsAreRefused()
    {
        using var dir = new TempDir();
        var a = Shard(dir, "a", "0/2", [0, 2]);
        var old = Shard(dir, "old", "1/2", null);
        Assert.Contains("rerun inputs for it", Assert.Throws<InvalidInputException>(() => TrainingSet.Open([a, old])).Message);
        var overlap = Shard(dir, "overlap", "1/2", [2, 3]);
        Assert.Contains("holds train.csv row 2", Assert.Throws<InvalidInputException>(() => TrainingSet.Open([a, overlap])).Message);
        var verified = Shard(dir, "verified", "1/2", [1, 3], verifiedOnly: true);
        Assert.Contains("was written with --verified-only but", Assert.Throws<InvalidInputException>(() => TrainingSet.Open([a, verified])).Message);
    }

    [Fact]
    public void UnshardedSetsWithSourceRowsAreStillConcatenatedInTheOrderGiven()
    {
        using var dir = new TempDir();
        var a = Shard(dir, "a", null, [3, 4]);
        var b = Shard(dir, "b", null, [0, 1]);
        using var set = TrainingSet.Open([a, b]);
        Assert.Equal(new[] { "clip0000.wav", "clip0001.wav", "clip0000.wav", "clip0001.wav" }, set.Fnames);
        var row = new float[40 * 16];
        var merged = new float[40 * 16];
        using (var second = MappedNpyArray.Open(b.SamplesPath)) second.ReadRow(0, row);
        set.FillBatch([2], 40, merged, new float[2]);
        Assert.Equal(row, merged);
    }
}
