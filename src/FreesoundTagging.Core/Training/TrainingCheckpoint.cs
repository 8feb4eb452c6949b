using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FreesoundTagging.IO;
using FreesoundTagging.Models;
using FreesoundTagging.Recipes;
using FreesoundTagging.Torch;
using static TorchSharp.torch;

namespace FreesoundTagging.Training;

/// <summary>Where training stands: resume at (Epoch, Step) with these running sums and history.</summary>
public sealed record CheckpointState
{
    public required TrainingOptions Options { get; init; }

    /// <summary>Which run this is (null in checkpoints of earlier builds, whose options held it).</summary>
    public TrainingRun? Run { get; init; }

    public required int Seed { get; init; }

    /// <summary>0-based epoch to continue in.</summary>
    public required int Epoch { get; init; }

    /// <summary>Batches of <see cref="Epoch"/> already done.</summary>
    public required int Step { get; init; }

    public double LossSum { get; init; }

    public long Correct { get; init; }

    public long Seen { get; init; }

    public double EpochSeconds { get; init; }

    public required IReadOnlyList<EpochRecord> History { get; init; }

    /// <summary>Fingerprint of the data (rows, classes) so a resume on other data is refused.</summary>
    public required string DataFingerprint { get; init; }

    /// <summary>With distillation: the teacher file's fingerprint (<see cref="TeacherTargets.Fingerprint"/>), so a resume
    /// distils from the same teacher; null without one.</summary>
    public string? TeacherFingerprint { get; init; }

    /// <summary>The run ended at <see cref="Epoch"/> by early stopping: it is finished.</summary>
    public bool StoppedEarly { get; init; }
}

/// <summary>
/// An interrupted run's full state in one file: progress as JSON, the model's weights and Adam's moments,
/// sealed with a SHA-256 so a torn or truncated checkpoint is refused rather than half-loaded.
/// </summary>
public static class TrainingCheckpoint
{
    /// <summary>FSTCKPT2: the state in snake_case keys (<see cref="JsonFormat"/>); FSTCKPT1, camelCase keys, still resumes.</summary>
    private static readonly byte[] Magic = "FSTCKPT2"u8.ToArray();

    private static readonly byte[] CamelCaseMagic = "FSTCKPT1"u8.ToArray();


    /// <param name="bestWeights">With --keep best: the best epoch's weights (Module.save bytes), kept so a resumed run
    /// can still save them; an optional section, absent in checkpoints of earlier builds (empty when there are none but
    /// an average follows).</param>
    /// <param name="averageWeights">With --ema: the weight average (Module.save bytes); an optional last section.</param>
    public static void Save(string path, CheckpointState state, nn.Module model, AdamOptimizer optimizer, byte[]? bestWeights = null, byte[]? averageWeights = null)
    {
        using var body = new MemoryStream();
        using (var writer = new BinaryWriter(body, Encoding.UTF8, leaveOpen: true))
        {
            byte[] json = JsonSerializer.SerializeToUtf8Bytes(state, JsonFormat.Options);
            writer.Write(json.Length);
            writer.Write(json);
            WriteSection(writer, w => model.save(w));
            WriteSection(writer, optimizer.Save);
            if (bestWeights is not null || averageWeights is not null)
            {
                writer.Write(bestWeights?.Length ?? 0);
                writer.Write(bestWeights ?? []);
            }
            if (averageWeights is not null)
            {
                writer.Write(averageWeights.Length);
                writer.Write(averageWeights);
            }
        }
        using var file = AtomicFile.Create(path);
        file.Stream.Write(Magic);
        body.Position = 0;
        body.CopyTo(file.Stream);
        file.Stream.Write(SHA256.HashData(body.GetBuffer().AsSpan(0, (int)body.Length)));
        file.Commit();
    }

    /// <summary>Reads a checkpoint's state and restores weights and optimizer moments into the given objects.</summary>
    /// <exception cref="InvalidModelException">Not a checkpoint, truncated or corrupt.</exception>
    public static CheckpointState Load(string path, nn.Module model, AdamOptimizer optimizer)
    {
        var (state, weights, moments, _, _) = Read(path);
        try
        {
            ModuleBytes.Load(model, weights);
            using (var reader = new BinaryReader(new MemoryStream(moments))) optimizer.Load(reader);
        }
        catch (Exception e) when (e is ArgumentException or InvalidOperationException or IOException or FormatException or InvalidDataException)
        {
            throw new InvalidModelException($"checkpoint does not fit this model ({e.Message})", path, e);
        }
        return state;
    }

    /// <summary>Only the state (for checks before building a model).</summary>
    public static CheckpointState ReadState(string path) => Read(path).State;

    /// <summary>The best epoch's weights saved with --keep best, or null.</summary>
    public static byte[]? ReadBestWeights(string path) => Read(path).BestWeights;

    /// <summary>The weight average saved with --ema, or null.</summary>
    public static byte[]? ReadAverageWeights(string path) => Read(path).AverageWeights;

    /// <summary>What <c>--resume</c> is told when there is no checkpoint to continue from.</summary>
    internal const string NotFound = "checkpoint not found (nothing to resume)";

    private static (CheckpointState State, byte[] Weights, byte[] Moments, byte[]? BestWeights, byte[]? AverageWeights) Read(string path)
    {
        if (!File.Exists(path)) throw new InvalidModelException(NotFound, path);
        byte[] bytes = File.ReadAllBytes(path);
        bool camelCase = bytes.Length >= CamelCaseMagic.Length && bytes.AsSpan(0, CamelCaseMagic.Length).SequenceEqual(CamelCaseMagic);
        if (bytes.Length < Magic.Length + 32 || !(camelCase || bytes.AsSpan(0, Magic.Length).SequenceEqual(Magic)))
            throw new InvalidModelException("not a training checkpoint", path);
        var body = bytes.AsSpan(Magic.Length, bytes.Length - Magic.Length - 32);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(bytes.AsSpan(bytes.Length - 32)))
            throw new InvalidModelException("checkpoint is truncated or corrupt (checksum mismatch)", path);
        try
        {
            using var reader = new BinaryReader(new MemoryStream(body.ToArray()));
            byte[] json = reader.ReadBytes(reader.ReadInt32());
            var state = JsonSerializer.Deserialize<CheckpointState>(json, camelCase ? JsonFormat.Legacy : JsonFormat.Options)
                ?? throw new InvalidModelException("empty checkpoint state", path);
            byte[] weights = reader.ReadBytes(reader.ReadInt32());
            byte[] moments = reader.ReadBytes(reader.ReadInt32());
            byte[]? best = reader.BaseStream.Position < reader.BaseStream.Length ? reader.ReadBytes(reader.ReadInt32()) : null;
            byte[]? average = reader.BaseStream.Position < reader.BaseStream.Length ? reader.ReadBytes(reader.ReadInt32()) : null;
            return (state, weights, moments, best is { Length: > 0 } ? best : null, average);
        }
        catch (Exception e) when (e is EndOfStreamException or JsonException or IOException)
        {
            throw new InvalidModelException($"unreadable checkpoint ({e.Message})", path, e);
        }
    }

    private static void WriteSection(BinaryWriter writer, Action<BinaryWriter> write)
    {
        using var section = new MemoryStream();
        using (var w = new BinaryWriter(section, Encoding.UTF8, leaveOpen: true)) write(w);
        writer.Write((int)section.Length);
        writer.Write(section.GetBuffer(), 0, (int)section.Length);
    }
}
