using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Serialization;
using FreesoundTagging.Recipes;
using FreesoundTagging.Models;
using FreesoundTagging.Training;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.Training;

/// <summary>A run interrupted under the build before the one JSON policy (checkpoint FSTCKPT1, camelCase state)
/// still resumes.</summary>
public sealed class CheckpointFormatTests
{
    [Fact]
    public void ACamelCaseCheckpointStillReads()
    {
        var state = new CheckpointState
        {
            Options = new TrainingOptions { Epochs = 7, CropSeconds = 1.28 },
            Seed = 3,
            Epoch = 2,
            Step = 5,
            LossSum = 1.5,
            History = [new EpochRecord(1, 2.5, 0.25, Seconds: 4), new EpochRecord(2, double.NaN, 0.5)],
            DataFingerprint = "abc",
        };
        // As the earlier build wrote it: camelCase keys, nulls left out, computed values ("validates") included.
        var earlier = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            // The earlier build held the schedule and the kept epoch as strings ("constant", "last").
            Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
        };
        byte[] json = JsonSerializer.SerializeToUtf8Bytes(state, earlier);
        Assert.Contains("\"validates\"", System.Text.Encoding.UTF8.GetString(json));
        Assert.Contains("\"schedule\":\"constant\"", System.Text.Encoding.UTF8.GetString(json));
        using var body = new MemoryStream();
        using (var writer = new BinaryWriter(body, System.Text.Encoding.UTF8, leaveOpen: true))
        {
            writer.Write(json.Length);
            writer.Write(json);
            writer.Write(0); // weights
            writer.Write(0); // optimizer moments
        }
        using var dir = new TempDir();
        string path = dir.Write("old.ckpt", [.. "FSTCKPT1"u8, .. body.ToArray(), .. SHA256.HashData(body.ToArray())]);

        var back = TrainingCheckpoint.ReadState(path);
        Assert.Equal((7, 1.28, 3, 2, 5, 1.5, "abc"), (back.Options.Epochs, back.Options.CropSeconds!.Value, back.Seed, back.Epoch, back.Step, back.LossSum, back.DataFingerprint));
        Assert.Equal(2, back.History.Count);
        Assert.True(double.IsNaN(back.History[1].TrainLoss));
        Assert.Equal(4, back.History[0].Seconds);
    }
}
