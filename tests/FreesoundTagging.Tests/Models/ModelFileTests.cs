using System.Text;
using FreesoundTagging.Features;
using FreesoundTagging.Models;
using FreesoundTagging.Runtime;
using FreesoundTagging.Tests.Support;
using FreesoundTagging.Torch;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Models;

[Collection(TorchCollection.Name)]
public sealed class ModelFileTests : IDisposable
{
    private static readonly string[] Classes = ["Bark", "Cello", "Chime", "Clarinet"];
    private readonly string _folder = Directory.CreateTempSubdirectory("fst-modelfile-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string PathIn(string name) => Path.Combine(_folder, name);

    private static FeatureConfig SmallFeatures => FeatureConfig.Original with { MelCount = 8 };

    private static TrainingHistory History => new(
        [new EpochRecord(1, 1.5, 0.4, 1.6, 0.35, 0.5), new EpochRecord(2, 1.1, 0.6)], Seed: 7, ElapsedSeconds: 12.5);

    private string SaveSmallModel(string variant = "cnn_1d_dense_dropout", string name = "m.fstmodel")
    {
        using var model = ModelVariant.Parse(variant).Create( 8, Classes.Length);
        string path = PathIn(name);
        ModelFile.Save(path, model, Classes, SmallFeatures, History);
        return path;
    }

    [Theory]
    [InlineData("cnn_1d")]
    [InlineData("cnn_1d_dropout")]
    [InlineData("cnn_1d_dense_dropout")]
    public void SaveThenLoadGivesIdenticalLogitsAndDescription(string variant)
    {
        TorchRuntime.Initialise();
        using var scope = NewDisposeScope();
        using var model = ModelVariant.Parse(variant).Create( 8, Classes.Length);
        model.eval();
        var input = randn(3, 25, 8);
        using var noGrad = no_grad();
        var before = model.forward(input);
        string path = PathIn("round-trip.fstmodel");
        ModelFile.Save(path, model, Classes, SmallFeatures, History);

        using var loaded = ModelFile.Load(path);
        loaded.Model.eval();
        foreach (var ((name, saved), (_, read)) in model.state_dict().Zip(loaded.Model.state_dict()))
            Assert.True(saved.eq(read).all().item<bool>(), $"{name} changed in the round trip"); // the file stores exact bytes
        Assert.Equal(before.data<float>().ToArray(), loaded.Model.forward(input).data<float>().ToArray(), new Tolerance(1e-6));
        Assert.Equal(variant, loaded.Variant.Name);
        Assert.Equal(Classes, loaded.Classes);
        Assert.Equal(SmallFeatures, loaded.Features);
        Assert.Equal(History.Epochs, loaded.History.Epochs);
        Assert.Equal(7, loaded.History.Seed);
        Assert.Equal(12.5, loaded.History.ElapsedSeconds);
        Assert.Equal(Classes, ModelFile.ReadMetadata(path).Classes);
        Assert.Equal([Path.GetFileName(path)], Directory.GetFiles(_folder).Select(Path.GetFileName));
    }

    [Fact]
    public void SavingOverAnExistingModelReplacesIt()
    {
        TorchRuntime.Initialise();
        string path = SaveSmallModel("cnn_1d");
        SaveSmallModel("cnn_1d_dropout", Path.GetFileName(path));
        Assert.Equal("cnn_1d_dropout", ModelFile.ReadMetadata(path).Variant);
        Assert.Single(Directory.GetFiles(_folder));
    }

    [Fact]
    public void SavingRejectsClassesThatDoNotFitTheModel()
    {
        TorchRuntime.Initialise();
        using var model = Cnn1dVariants.Plain(8, 3);
        Assert.Throws<ArgumentException>(() => ModelFile.Save(PathIn("x"), model, Classes, SmallFeatures));
        Assert.Throws<ArgumentException>(() => ModelFile.Save(PathIn("x"), model, ["a", "a", "b"], SmallFeatures));
        Assert.Throws<ArgumentException>(() => ModelFile.Save(PathIn("x"), model, ["a", "b", "c"], FeatureConfig.Original));
        Assert.Empty(Directory.GetFiles(_folder));
    }

    [Fact]
    public void AFileThatIsNotAModelSaysSo()
    {
        string path = PathIn("not-a-model.fstmodel");
        File.WriteAllText(path, "fname,label\na.wav,Bark\n");
        var e = Assert.Throws<InvalidModelException>(() => ModelFile.Load(path));
        Assert.Contains("not a FreesoundTagging model file", e.Message);
        Assert.Contains(path, e.Message);

        File.WriteAllBytes(path, []);
        Assert.Contains("not a FreesoundTagging model file", Assert.Throws<InvalidModelException>(() => ModelFile.Load(path)).Message);
    }

    [Fact]
    public void AMissingFileIsAModelError()
    {
        var e = Assert.Throws<InvalidModelException>(() => ModelFile.Load(PathIn("absent.fstmodel")));
        Assert.Contains("absent.fstmodel", e.Message);
    }

    [Fact]
    public void TruncationAnywhereIsDetected()
    {
        TorchRuntime.Initialise();
        byte[] whole = File.ReadAllBytes(SaveSmallModel());
        string path = PathIn("cut.fstmodel");
        foreach (int length in new[] { 8, 10, 12, 19, 20, 21, 100, whole.Length / 2, whole.Length - 33, whole.Length - 32, whole.Length - 1 })
        {
            File.WriteAllBytes(path, whole[..length]);
            var e = Assert.Throws<InvalidModelException>(() => ModelFile.Load(path));
            Assert.True(e.Message.Contains("truncated") || e.Message.Contains("checksum"), $"cut at {length}: {e.Message}");
        }
        File.WriteAllBytes(path, [.. whole, 0]);
        Assert.Contains("unexpected bytes", Assert.Throws<InvalidModelException>(() => ModelFile.Load(path)).Message);
    }

    [Fact]
    public void AFlippedBitIsAChecksumMismatch()
    {
        TorchRuntime.Initialise();
        string path = SaveSmallModel();
        byte[] bytes = File.ReadAllBytes(path);
        foreach (int at in new[] { 30, bytes.Length / 2, bytes.Length - 40, bytes.Length - 1 })
        {
            byte[] copy = [.. bytes];
            copy[at] ^= 0x10;
            File.WriteAllBytes(path, copy);
            Assert.Contains("checksum mismatch", Assert.Throws<InvalidModelException>(() => ModelFile.Load(path)).Message);
        }
    }

    [Fact]
    public void ANewerFormatVersionIsRefused()
    {
        TorchRuntime.Initialise();
        string path = SaveSmallModel();
        byte[] bytes = File.ReadAllBytes(path);
        bytes[8] = ModelFile.FormatVersion + 1;
        File.WriteAllBytes(path, bytes);
        Assert.Contains($"format version {ModelFile.FormatVersion + 1}", Assert.Throws<InvalidModelException>(() => ModelFile.Load(path)).Message);
    }

    [Fact]
    public void AnUnknownVariantIsRefused()
    {
        TorchRuntime.Initialise();
        string path = Forge(json => json.Replace("\"cnn_1d_dense_dropout\"", "\"cnn_2d\""));
        var e = Assert.Throws<InvalidModelException>(() => ModelFile.Load(path));
        Assert.Contains("unknown model variant 'cnn_2d'", e.Message);
    }

    [Fact]
    public void WeightsOfAnotherVariantAreRefused()
    {
        TorchRuntime.Initialise();
        string path = Forge(json => json.Replace("\"cnn_1d_dense_dropout\"", "\"cnn_1d\""));
        Assert.Contains("do not fit a cnn_1d model", Assert.Throws<InvalidModelException>(() => ModelFile.Load(path)).Message);
    }

    [Fact]
    public void WeightsForAnotherClassCountAreRefused()
    {
        TorchRuntime.Initialise();
        string fewer = Forge(json => json.Replace("\"Bark\",", ""), "fewer.fstmodel");
        AssertDoesNotFit(Assert.Throws<InvalidModelException>(() => ModelFile.Load(fewer)));
        string more = Forge(json => json.Replace("\"Clarinet\"", "\"Clarinet\", \"Drum\""), "more.fstmodel");
        AssertDoesNotFit(Assert.Throws<InvalidModelException>(() => ModelFile.Load(more)));
        string many = Forge(json => json.Replace("\"Clarinet\"", string.Join(", ", Enumerable.Range(0, 5000).Select(i => $"\"c{i}\""))), "many.fstmodel");
        Assert.Contains("too small", Assert.Throws<InvalidModelException>(() => ModelFile.Load(many)).Message);
    }

    [Fact]
    public void WeightsForAnotherInputSizeAreRefused()
    {
        TorchRuntime.Initialise();
        string path = Forge(json => json.Replace("\"mel_count\": 8", "\"mel_count\": 9"));
        AssertDoesNotFit(Assert.Throws<InvalidModelException>(() => ModelFile.Load(path)));
    }

    /// <summary>Either the quick size check or the state-dict load catches it, depending on how far off it is.</summary>
    private static void AssertDoesNotFit(InvalidModelException e) =>
        Assert.True(e.Message.Contains("do not fit") || e.Message.Contains("too small"), e.Message);

    [Fact]
    public void BrokenDescriptionsAreRefused()
    {
        TorchRuntime.Initialise();
        foreach (var (edit, expected) in new (Func<string, string>, string)[]
        {
            (json => "{", "not valid"),
            (json => "null", "empty"),
            (json => json.Replace("\"Bark\"", "\"Cello\""), "more than once"),
            (json => json.Replace("\"mel_count\": 8", "\"mel_count\": -1"), "MelCount"),
            (json => json.Replace("\"classes\"", "\"labels\""), "not valid"),
        })
        {
            string path = Forge(edit, "broken.fstmodel");
            Assert.Contains(expected, Assert.Throws<InvalidModelException>(() => ModelFile.Load(path)).Message);
        }
    }

    [Fact]
    public void ClassListChecksNameTheFirstDifference()
    {
        ModelFile.EnsureClasses(Classes, [.. Classes]);
        var e = Assert.Throws<InvalidModelException>(() => ModelFile.EnsureClasses(Classes, ["Bark", "Cello", "Drum", "Clarinet"], "m.fstmodel"));
        Assert.Contains("class 2 is 'Chime' in the model but 'Drum' is expected", e.Message);
        Assert.StartsWith("m.fstmodel: ", e.Message);
        Assert.Contains("'Flute' is missing", Assert.Throws<InvalidModelException>(() => ModelFile.EnsureClasses(Classes, [.. Classes, "Flute"])).Message);
        Assert.Contains("also has 'Clarinet'", Assert.Throws<InvalidModelException>(() => ModelFile.EnsureClasses(Classes, Classes[..3])).Message);
    }

    /// <summary>A model file whose description was edited but whose checksum is valid, as a buggy writer might make.</summary>
    private string Forge(Func<string, string> editJson, string name = "forged.fstmodel")
    {
        string original = SaveSmallModel(name: "source.fstmodel");
        using var loaded = ModelFile.Load(original);
        using var weights = new MemoryStream();
        loaded.Model.save(weights);
        string json = editJson(ModelFile.SerializeMetadata(loaded.Metadata));
        string path = PathIn(name);
        File.WriteAllBytes(path, ModelFile.Pack(json, weights.ToArray()));
        return path;
    }
}
