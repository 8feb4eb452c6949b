using System.Text.Json;
using System.Text.Json.Nodes;
using FreesoundTagging.Recipes;
using FreesoundTagging.Datasets;
using FreesoundTagging.Features;
using FreesoundTagging.IO;
using FreesoundTagging.Models;
using FreesoundTagging.Training;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.IO;

/// <summary>The one JSON policy: snake_case keys, enumeration values as typed on the command line, nothing stored
/// that is computed from something else, and every earlier spelling still read.</summary>
public sealed class JsonFormatTests
{
    private static JsonObject Serialized<T>(T value) => JsonNode.Parse(JsonSerializer.Serialize(value, JsonFormat.Options))!.AsObject();

    [Fact]
    public void KeysAreSnakeCaseAndEnumerationValuesAreSpelledAsOnTheCommandLine()
    {
        var features = FeatureConfig.Original with { LogReference = LogReference.ClipPeak, PadMode = StftPadMode.Constant };
        var json = Serialized(features);
        Assert.Equal(["sample_rate", "fft_size", "hop_length", "mel_count", "f_min_hz", "f_max_hz", "pad_mode", "log_offset", "log_reference", "max_frames"],
            json.Select(p => p.Key));
        Assert.Equal("clip-peak", json["log_reference"]!.GetValue<string>());
        Assert.Equal("constant", json["pad_mode"]!.GetValue<string>());
        Assert.Equal("float32", JsonSerializer.Serialize(NpyDtype.Float32, JsonFormat.Options).Trim('"'));
        Assert.Equal(features, JsonSerializer.Deserialize<FeatureConfig>(json.ToJsonString(), JsonFormat.Options));
    }

    [Theory]
    [InlineData("clip-peak")]
    [InlineData("ClipPeak")]
    [InlineData("clip_peak")]
    [InlineData("CLIP-PEAK")]
    public void EveryEarlierSpellingOfAValueReads(string spelling) =>
        Assert.Equal(LogReference.ClipPeak, JsonSerializer.Deserialize<LogReference>($"\"{spelling}\"", JsonFormat.Options));

    [Theory]
    [InlineData("\"loudest\"", "'loudest' is not one of absolute, clip-peak")]
    [InlineData("1", "absolute, clip-peak (a string)")]
    public void AnUnknownValueIsRefusedNamingTheValidOnes(string json, string expected) =>
        Assert.Contains(expected, Assert.Throws<JsonException>(() => JsonSerializer.Deserialize<LogReference>(json, JsonFormat.Options)).Message);

    [Fact]
    public void ComputedValuesAreNotStored()
    {
        var options = new TrainingOptions { SpecAugment = new SpecAugmentOptions(2, 12, 2, 8), ValidationFraction = 0.2 };
        var history = new TrainingHistory([new EpochRecord(1, 2.5, 0.3)], 1, 10, KeptEpoch: 1, Options: options);
        var metadata = new ModelMetadata("cnn_1d", ["a", "b"], FeatureConfig.Original, history, WindowFrames: 128, Members: 2, BandShifts: 1);
        var json = Serialized(metadata);
        foreach (string computed in new[] { "scoring_band_shifts", "member_count", "scoring_hop_frames", "training_crop_frames" })
            Assert.False(json.ContainsKey(computed), computed);
        Assert.True(json.ContainsKey("window_hop_frames"));
        var storedHistory = json["history"]!.AsObject();
        Assert.False(storedHistory.ContainsKey("kept"));
        Assert.True(storedHistory.ContainsKey("kept_epoch"));
        Assert.False(storedHistory["options"]!.AsObject().ContainsKey("validates"));
        Assert.False(storedHistory["options"]!["spec_augment"]!.AsObject().ContainsKey("enabled"));

        var read = JsonSerializer.Deserialize<ModelMetadata>(json.ToJsonString(), JsonFormat.Options)!;
        Assert.Equal((2, 1, 64), (read.MemberCount, read.ScoringBandShifts, read.ScoringHopFrames));
        Assert.True(read.History.Options!.Validates);
    }

    [Fact]
    public void ADatasetWrittenBeforeThePolicyStillReads()
    {
        // Written by `inputs --log-reference clip-peak --max-frames 100` of the build before the policy (camelCase
        // keys, "ClipPeak", and the computed "rowCount").
        string old = Golden.PathOf("format-1/dataset.json");
        Assert.Contains("\"format\": 1", File.ReadAllText(old));
        var info = DatasetInfo.Read(old);
        Assert.Equal(FeatureConfig.Original with { LogReference = LogReference.ClipPeak, MaxFrames = 100 }, info.Features);
        Assert.Equal(["Gunshot_or_gunfire", "Laughter", "Telephone"], info.Classes);
        Assert.Equal(["0006817f.wav", "00275c1f.wav", "003ad582.wav"], info.Fnames);
        Assert.Equal([107, 181, 133], info.Frames);
        Assert.Equal([0, 1, 2], info.SourceRows!);
        Assert.Equal("train.csv", info.SourceCsv);

        using var dir = new TempDir();
        info.Write(dir.File(DatasetInfo.FileName));
        var rewritten = JsonNode.Parse(File.ReadAllText(dir.File(DatasetInfo.FileName)))!.AsObject();
        Assert.Equal(DatasetInfo.CurrentFormat, rewritten["format"]!.GetValue<int>());
        Assert.Equal("clip-peak", rewritten["features"]!["log_reference"]!.GetValue<string>());
        Assert.Equal(["format", "features", "classes", "fnames", "frames", "verified", "dtype", "shard", "source_csv", "verified_only", "source_rows"],
            rewritten.Select(p => p.Key));
        var again = DatasetInfo.Read(dir.File(DatasetInfo.FileName));
        Assert.Equal(info.Features, again.Features);
        Assert.Equal(info.Fnames, again.Fnames);
        Assert.Equal(info.SourceRows!, again.SourceRows!);
    }

    [Fact]
    public void ADatasetOfAnUnknownFormatIsRefused()
    {
        using var dir = new TempDir();
        string path = dir.Write(DatasetInfo.FileName, File.ReadAllText(Golden.PathOf("format-1/dataset.json")).Replace("\"format\": 1", "\"format\": 3"));
        Assert.Contains("format 3 is not supported", Assert.Throws<InvalidInputException>(() => DatasetInfo.Read(path)).Message);
    }
}
