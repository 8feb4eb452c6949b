using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using FreesoundTagging.Model;
using FreesoundTagging.Models;
using FreesoundTagging.Predict;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.BadInput;

/// <summary>Weights are checked when they are read, not only the seal: an import or a re-sealed model file with NaN
/// weights would make every probability NaN (a submission of the first three classes, JSON that cannot be written).
/// A safetensors header whose tensors share bytes is refused.</summary>
[Collection(TorchCollection.Name)]
public class NonFiniteWeightsTests
{
    private static void AssertOneError((int Exit, string Out, string Err) r, string fragment)
    {
        Assert.True(r.Exit == 3, $"exit {r.Exit}: {r.Err}{r.Out}");
        Assert.Single(r.Err.Trim().Split('\n'));
        Assert.Contains(fragment, r.Err);
    }

    /// <summary>The fixture's model exported: the description, and the safetensors' header and where its data starts.</summary>
    private static (string Description, string Weights, JsonObject Header, int DataStart) Export(TinyRun f)
    {
        var r = ConsoleCapture.Run(ModelCommand.Run, "export", f.Model, f.Dir.File("own"));
        Assert.True(r.Exit == 0, r.Err);
        string weights = f.Dir.File("own.safetensors");
        byte[] bytes = File.ReadAllBytes(weights);
        int length = (int)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        return (f.Dir.File("own.json"), weights, JsonNode.Parse(bytes.AsSpan(8, length))!.AsObject(), 8 + length);
    }

    [Theory]
    [InlineData(float.NaN, "holds NaN at element 3")]
    [InlineData(float.PositiveInfinity, "holds infinity at element 3")]
    public void ImportRefusesNonFiniteWeights(float value, string expected)
    {
        using var f = new TinyRun();
        var (description, weights, header, dataStart) = Export(f);
        long begin = header["conv1.weight"]!["data_offsets"]![0]!.GetValue<long>();
        byte[] bytes = File.ReadAllBytes(weights);
        BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(dataStart + (int)begin + 3 * 4), value);
        File.WriteAllBytes(weights, bytes);
        AssertOneError(ConsoleCapture.Run(ModelCommand.Run, "import", description, f.Dir.File("x.fstmodel")), $"tensor 'conv1.weight' {expected}");
        Assert.False(File.Exists(f.Dir.File("x.fstmodel")));
    }

    [Fact]
    public void ImportRefusesTensorsThatShareBytes()
    {
        using var f = new TinyRun();
        var (description, weights, header, dataStart) = Export(f);
        // Point conv1.bias at the start of conv1.weight's bytes: each range alone fits its shape.
        var bias = header["conv1.bias"]!["data_offsets"]!.AsArray();
        long size = bias[1]!.GetValue<long>() - bias[0]!.GetValue<long>();
        long weightBegin = header["conv1.weight"]!["data_offsets"]![0]!.GetValue<long>();
        header["conv1.bias"]!["data_offsets"] = new JsonArray(weightBegin, weightBegin + size);
        byte[] old = File.ReadAllBytes(weights);
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        // Same header length (padded with spaces), so the data stays where the offsets say.
        Assert.True(json.Length <= dataStart - 8);
        var forged = new byte[old.Length];
        old.CopyTo(forged, 0);
        forged.AsSpan(8, dataStart - 8).Fill((byte)' ');
        json.CopyTo(forged, 8);
        File.WriteAllBytes(weights, forged);
        AssertOneError(ConsoleCapture.Run(ModelCommand.Run, "import", description, f.Dir.File("x.fstmodel")), "overlap");
        Assert.False(File.Exists(f.Dir.File("x.fstmodel")));
    }

    [Fact]
    public void AModelFileSealedOverNaNWeightsIsRefusedOnLoad()
    {
        using var f = new TinyRun();
        // Edited and sealed again with a fresh SHA-256: the container is consistent, the weights are not numbers.
        using (var loaded = ModelFile.Load(f.Model))
        {
            using (TorchSharp.torch.no_grad()) loaded.Model.state_dict()["conv1.weight"].fill_(float.NaN);
            using var weights = new MemoryStream();
            loaded.Model.save(weights);
            File.WriteAllBytes(f.Model, ModelFile.Pack(ModelFile.SerializeMetadata(loaded.Metadata), weights.ToArray()));
        }
        var tag = ConsoleCapture.Run(PredictCommand.Run, f.Model, Path.Combine(f.Audio, f.Rows[0].Fname), "--format", "json");
        AssertOneError(tag, "the weights are not finite numbers ('conv1.weight' holds NaN or infinite values)");
        string submission = f.Dir.File("s.csv");
        AssertOneError(ConsoleCapture.Run(PredictCommand.Run, f.Model, f.Audio, f.Template, "-", submission, "--probabilities", f.Dir.File("p.npy")), "not finite");
        Assert.False(File.Exists(submission));
        Assert.False(File.Exists(f.Dir.File("p.npy")));
    }
}
