using System.Buffers.Binary;
using FreesoundTagging.Features;
using FreesoundTagging.Models;
using FreesoundTagging.Recipes;
using FreesoundTagging.Runtime;
using FreesoundTagging.Tests.Repository;
using FreesoundTagging.Tests.Support;
using Xunit;
using FreesoundTagging.Torch;

namespace FreesoundTagging.Tests.Models;

/// <summary>Model files of format version 1 (PascalCase description holding copies of computed values), as
/// pre_trained_models/ holds them, still read; saved again they are version 2 with the same description.</summary>
[Collection(TorchCollection.Name)]
public sealed class FirstFormatModelFileTests
{
    private static string PreTrained(string name) => Path.Combine(RepositoryLayoutTests.RepositoryRoot(), "pre_trained_models", name + ".fstmodel");

    private static uint VersionOf(string path) => BinaryPrimitives.ReadUInt32LittleEndian(File.ReadAllBytes(path).AsSpan(8, 4));

    [Fact]
    public void ThePreTrainedFormatOneModelsStillRead()
    {
        foreach (string name in new[] { "cnn_1d", "cnn_1d_dropout", "cnn_1d_dense_dropout", "cnn_2d_vgg" })
        {
            Assert.Equal((uint)ModelFile.PascalCaseVersion, VersionOf(PreTrained(name)));
            var m = ModelFile.ReadMetadata(PreTrained(name));
            Assert.Equal(name, m.Variant);
            Assert.Equal(24, m.Classes.Count);
            Assert.NotEmpty(m.History.Epochs);
        }
        Assert.Equal(128, ModelFile.ReadMetadata(PreTrained("cnn_2d_vgg")).WindowFrames);
    }

    /// <summary>The best recipe's model as shipped in format 1 (its description, golden/format-1; the weights are not
    /// needed to read it), before recording degradations existed.</summary>
    internal static string FormatOneBest(TempDir dir)
    {
        string path = dir.File("best.format1.fstmodel");
        File.WriteAllBytes(path, ModelFile.Pack(File.ReadAllText(Golden.PathOf("format-1/cnn_2d_vgg_best.metadata.json")), [], ModelFile.PascalCaseVersion));
        return path;
    }

    [Fact]
    public void TheFormatOneBestModelStillReads()
    {
        using var dir = new TempDir();
        var best = ModelFile.ReadMetadata(FormatOneBest(dir));
        Assert.Equal(FeatureConfig.Original with { LogReference = LogReference.ClipPeak, LogOffset = 1e-6, FMinHz = 20, FMaxHz = 16000 }, best.Features);
        Assert.Equal((512, 256, 3, 1), (best.WindowFrames, best.WindowHopFrames, best.Members, best.BandShifts));
        Assert.Equal(128, best.TrainingCropFrames);
        Assert.Equal(80, best.History.KeptEpoch);
        Assert.Equal("best", best.History.RecipeName);
        Assert.Equal((1.28, 5.12, 3), (best.History.Options!.CropSeconds, best.History.Options.ScoringWindowSeconds, best.History.Options.Members));
        Assert.Equal(new[] { 2, 12, 2, 8 }, new[] { best.History.Options.SpecAugment.TimeMasks, best.History.Options.SpecAugment.TimeMaskFrames,
            best.History.Options.SpecAugment.FrequencyMasks, best.History.Options.SpecAugment.FrequencyMaskBands });
        // Written before recording degradations existed: none.
        Assert.False(best.History.Options.Degradations.Enabled);
        Assert.Contains("\"log_reference\": \"clip-peak\"", ModelFile.SerializeMetadata(best));
    }

    [Fact]
    public void TheShippedBestModelRecordsItsRecipe()
    {
        var best = ModelFile.ReadMetadata(PreTrained("cnn_2d_vgg_best"));
        Assert.Equal((uint)ModelFile.FormatVersion, VersionOf(PreTrained("cnn_2d_vgg_best")));
        Assert.Equal("cnn_2d_vgg", best.Variant);
        Assert.Equal(FeatureConfig.Original with { LogReference = LogReference.ClipPeak, LogOffset = 1e-6, FMinHz = 20, FMaxHz = 16000 }, best.Features);
        Assert.Equal((512, 256, 3, 1), (best.WindowFrames, best.WindowHopFrames, best.Members, best.BandShifts));
        Assert.Equal(128, best.TrainingCropFrames);
        Assert.Equal(80, best.History.KeptEpoch);
        Assert.Equal("best", best.History.RecipeName);
        Assert.Equal(TrainingRecipe.Best.Apply(new TrainingOptions()) with { Seed = 1, Threads = best.History.Options!.Threads, Device = best.History.Options.Device },
            best.History.Options);
    }

    [Fact]
    public void SavedAgainAFormatOneModelIsFormatTwoWithTheSameDescriptionAndWeights()
    {
        TorchRuntime.Initialise();
        using var dir = new TempDir();
        string source = PreTrained("cnn_2d_vgg");
        using var loaded = ModelFile.Load(source);
        var m = loaded.Metadata;
        string copy = dir.File("copy.fstmodel");
        ModelFile.Save(copy, loaded.Model, m.Classes, m.Features, m.History, m.WindowFrames, m.WindowHopFrames, m.ScoringBandShifts);

        Assert.Equal((uint)ModelFile.FormatVersion, VersionOf(copy));
        Assert.Equal(ModelFile.SerializeMetadata(m), ModelFile.SerializeMetadata(ModelFile.ReadMetadata(copy)));
        Assert.Contains("\"log_reference\": \"absolute\"", ModelFile.SerializeMetadata(m));
        Assert.Equal(WeightsOf(source), WeightsOf(copy));
    }

    /// <summary>The weights section of a model file (the layout in <see cref="ModelFile"/>).</summary>
    private static byte[] WeightsOf(string path)
    {
        byte[] b = File.ReadAllBytes(path);
        long meta = BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(12, 8));
        long weights = BinaryPrimitives.ReadInt64LittleEndian(b.AsSpan(20 + (int)meta, 8));
        return b.AsSpan(28 + (int)meta, (int)weights).ToArray();
    }
}
