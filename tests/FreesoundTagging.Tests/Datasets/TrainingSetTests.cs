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
}
