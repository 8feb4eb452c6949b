using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FreesoundTagging.Features;

namespace FreesoundTagging.Models;

/// <summary>
/// One self-describing file per trained model, as the original's Keras .h5 was: weights, variant, class list,
/// feature settings and training history together, so predicting needs nothing typed again.
/// </summary>
/// <remarks>
/// Layout (integers little-endian):
/// <code>
/// "FSTMODEL"            8 bytes, magic
/// format version        uint32 (= 2; 1 is still read)
/// metadata length M     int64
/// metadata              M bytes, UTF-8 JSON of ModelMetadata (version 2: snake_case keys, IO.JsonFormat;
///                       version 1: PascalCase keys and stored copies of computed values)
/// weights length W      int64
/// weights               W bytes, TorchSharp state dict (Module.save)
/// SHA-256               32 bytes, of every byte before it
/// </code>
/// The hash makes truncation and bit rot a clear error instead of a model that silently predicts garbage.
/// </remarks>
public static class ModelFile
{
    /// <summary>Conventional extension; nothing depends on it.</summary>
    public const string Extension = ".fstmodel";

    public const int FormatVersion = 2;

    /// <summary>The version of files written before the one JSON policy (pre_trained_models/ among them).</summary>
    public const int PascalCaseVersion = 1;

    /// <summary>Most networks one file may hold (a sanity bound for descriptions read from disk).</summary>
    public const int MaxMembers = 64;

    private static readonly byte[] Magic = "FSTMODEL"u8.ToArray();
    private const int HashLength = 32;
    private const int HeaderLength = 8 + 4 + 8; // magic, version, metadata length

    /// <summary>
    /// Writes <paramref name="model"/> and what describes it to <paramref name="path"/>. The file appears under
    /// its final name only once complete (written beside it, then renamed), so a crash never leaves half a model.
    /// </summary>
    /// <exception cref="ArgumentException">The classes or features do not fit the model.</exception>
    /// <param name="windowHopFrames">With <paramref name="windowFrames"/>: the hop predict slides its windows by (null: half a window).</param>
    /// <param name="bandShifts">Scoring shifts along the mel axis predict averages over (<see cref="ModelMetadata.BandShifts"/>); 0: none.</param>
    public static void Save(string path, TaggingModel model, IReadOnlyList<string> classes, FeatureConfig features, TrainingHistory? history = null, int? windowFrames = null,
        int? windowHopFrames = null, int bandShifts = 0)
    {
        int? members = model is MemberAverage ensemble ? ensemble.Members.Count : null;
        var metadata = new ModelMetadata(model.Variant.Name, [.. classes], features, history ?? TrainingHistory.Empty, windowFrames,
            windowFrames is null ? null : windowHopFrames, members, bandShifts == 0 ? null : bandShifts);
        var problems = MetadataProblems(metadata);
        if (model.ClassCount != classes.Count) problems.Add($"the model has {model.ClassCount} outputs but {classes.Count} classes were given");
        if (model.InputChannels != features.MelCount) problems.Add($"the model takes {model.InputChannels} input channels but the features have {features.MelCount} mel bands");
        if (problems.Count > 0) throw new ArgumentException($"cannot save model: {string.Join("; ", problems)}");

        // MemoryStream.ToArray still works after Module.save has closed the stream.
        using var weights = new MemoryStream();
        model.save(weights);
        WriteAtomically(path, Pack(SerializeMetadata(metadata), weights.ToArray()));
    }

    /// <summary>Reads a model file, rebuilds its network and loads the weights into it.</summary>
    /// <exception cref="InvalidModelException">Not a model file, truncated, corrupt, or inconsistent.</exception>
    public static LoadedModel Load(string path)
    {
        var (metadata, weights) = ReadContainer(path);
        var variant = ModelVariant.Parse(metadata.Variant);
        // float32 weights take at least 4 bytes a parameter: a description claiming far more classes than the
        // weights hold is caught here, before building a network that size.
        long parameters = variant.ParameterCount(metadata.Features.MelCount, metadata.Classes.Count) * metadata.MemberCount;
        string what = metadata.MemberCount == 1 ? $"a {variant.Name} model" : $"an ensemble of {metadata.MemberCount} {variant.Name} models";
        if (parameters * sizeof(float) > weights.Length)
            throw new InvalidModelException(
                $"the weights ({weights.Length} bytes) are too small for {what} with {metadata.Features.MelCount} inputs and {metadata.Classes.Count} classes ({parameters} parameters)", path);
        var model = MemberAverage.Create(variant, metadata.MemberCount, metadata.Features.MelCount, metadata.Classes.Count);
        try
        {
            using var stream = new MemoryStream(weights, writable: false);
            // Through a reader we own: Module.load(Stream) closes the stream, and the leftover check needs it.
            using (var reader = new BinaryReader(stream, Encoding.UTF8, leaveOpen: true))
                model.load(reader, strict: true);
            if (stream.Position != stream.Length) throw new InvalidDataException($"{stream.Length - stream.Position} bytes left over");
        }
        catch (Exception e)
        {
            model.Dispose();
            throw new InvalidModelException(
                $"the weights do not fit {what} with {metadata.Features.MelCount} inputs and {metadata.Classes.Count} classes ({e.Message.Split('\n')[0].Trim()})", path, e);
        }
        // The seal only says the file is as written: a file edited and sealed again, or saved from NaN weights,
        // would give NaN probabilities, which rank nothing and cannot be written as JSON.
        if (NonFiniteWeight(model) is { } name)
        {
            model.Dispose();
            throw new InvalidModelException($"the weights are not finite numbers ('{name}' holds NaN or infinite values); the file cannot score anything", path);
        }
        return new LoadedModel(model, metadata, path);
    }

    /// <summary>The first state-dict entry holding NaN or an infinity, or null when all are finite.</summary>
    private static string? NonFiniteWeight(TaggingModel model)
    {
        using var scope = TorchSharp.torch.NewDisposeScope();
        foreach (var (name, t) in model.state_dict())
        {
            if (!t.is_floating_point()) continue;
            if (!TorchSharp.torch.isfinite(t).all().item<bool>()) return name;
        }
        return null;
    }

    /// <summary>Whether <paramref name="path"/> is a readable file beginning with the model-file magic.</summary>
    public static bool HasMagic(string path)
    {
        try
        {
            // Never open a FIFO or device here: predict asks this of every path it is given.
            if (IO.RegularFile.Problem(path, "a model file") is not null) return false;
            using var file = File.OpenRead(path);
            return StartsWithMagic(file);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    /// <summary>Reads only what the file says about the model (checked against its hash), not the weights.</summary>
    /// <exception cref="InvalidModelException">Not a model file, truncated, corrupt, or inconsistent.</exception>
    public static ModelMetadata ReadMetadata(string path) => ReadContainer(path).Metadata;

    /// <summary>Checks that a model's classes are <paramref name="expected"/>, in the same order.</summary>
    /// <exception cref="InvalidModelException">Names the first position where they differ.</exception>
    public static void EnsureClasses(IReadOnlyList<string> modelClasses, IReadOnlyList<string> expected, string? path = null)
    {
        int common = Math.Min(modelClasses.Count, expected.Count);
        for (int i = 0; i < common; i++)
        {
            if (!string.Equals(modelClasses[i], expected[i], StringComparison.Ordinal))
                throw new InvalidModelException($"the model's classes differ from the expected ones: class {i} is '{modelClasses[i]}' in the model but '{expected[i]}' is expected", path);
        }
        if (modelClasses.Count != expected.Count)
        {
            string first = modelClasses.Count > common
                ? $"the model also has '{modelClasses[common]}'"
                : $"'{expected[common]}' is missing from the model";
            throw new InvalidModelException($"the model has {modelClasses.Count} classes but {expected.Count} are expected: {first}", path);
        }
    }

    internal static string SerializeMetadata(ModelMetadata metadata) => JsonSerializer.Serialize(metadata, IO.JsonFormat.Options);

    /// <summary>The container bytes around given metadata and weights (tests use it to forge consistent files, also of
    /// an earlier <paramref name="version"/>).</summary>
    internal static byte[] Pack(string metadataJson, byte[] weights, uint version = FormatVersion)
    {
        byte[] meta = Encoding.UTF8.GetBytes(metadataJson);
        using var buffer = new MemoryStream(HeaderLength + meta.Length + 8 + weights.Length + HashLength);
        Span<byte> number = stackalloc byte[8];
        buffer.Write(Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(number, version);
        buffer.Write(number[..4]);
        BinaryPrimitives.WriteInt64LittleEndian(number, meta.Length);
        buffer.Write(number);
        buffer.Write(meta);
        BinaryPrimitives.WriteInt64LittleEndian(number, weights.Length);
        buffer.Write(number);
        buffer.Write(weights);
        buffer.Write(SHA256.HashData(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)));
        return buffer.ToArray();
    }

    private static (ModelMetadata Metadata, byte[] Weights) ReadContainer(string path)
    {
        byte[] bytes;
        if (IO.RegularFile.Problem(path, "a model file") is { } problem) throw new InvalidModelException(problem, path);
        try
        {
            using var file = File.OpenRead(path);
            // Check the magic before reading the rest, so pointing at a large unrelated file fails fast.
            if (!StartsWithMagic(file)) throw new InvalidModelException("not a FreesoundTagging model file", path);
            bytes = new byte[file.Length];
            Magic.CopyTo(bytes, 0);
            file.ReadExactly(bytes, Magic.Length, bytes.Length - Magic.Length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidModelException($"cannot read the model file ({e.Message})", path, e);
        }

        if (bytes.Length < HeaderLength) throw Truncated(path);
        uint version = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(8, 4));
        if (version is not (FormatVersion or PascalCaseVersion))
            throw new InvalidModelException($"model file format version {version} is not supported (this build reads versions {PascalCaseVersion} and {FormatVersion})", path);

        long metaLength = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(12, 8));
        if (metaLength < 0 || metaLength > bytes.Length - HeaderLength - 8) throw Truncated(path);
        int weightsLengthAt = HeaderLength + (int)metaLength;
        long weightsLength = BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(weightsLengthAt, 8));
        int weightsAt = weightsLengthAt + 8;
        if (weightsLength < 0 || weightsLength > bytes.Length - weightsAt - HashLength) throw Truncated(path);
        int hashAt = weightsAt + (int)weightsLength;
        if (bytes.Length != hashAt + HashLength)
            throw new InvalidModelException($"the model file has {bytes.Length - hashAt - HashLength} unexpected bytes after its end (corrupt)", path);
        if (!SHA256.HashData(bytes.AsSpan(0, hashAt)).AsSpan().SequenceEqual(bytes.AsSpan(hashAt, HashLength)))
            throw new InvalidModelException("the model file is corrupt (checksum mismatch)", path);

        var metadata = ParseMetadata(bytes.AsSpan(HeaderLength, (int)metaLength), version == FormatVersion ? IO.JsonFormat.Options : IO.JsonFormat.Legacy, path);
        return (metadata, bytes.AsSpan(weightsAt, (int)weightsLength).ToArray());
    }

    private static ModelMetadata ParseMetadata(ReadOnlySpan<byte> json, JsonSerializerOptions format, string path)
    {
        ModelMetadata? metadata;
        try
        {
            metadata = JsonSerializer.Deserialize<ModelMetadata>(json, format);
        }
        catch (JsonException e)
        {
            throw new InvalidModelException($"the model description is not valid ({e.Message})", path, e);
        }
        if (metadata is null) throw new InvalidModelException("the model description is empty", path);
        var problems = MetadataProblems(metadata);
        if (problems.Count > 0) throw new InvalidModelException($"the model description is not valid: {string.Join("; ", problems)}", path);
        return metadata;
    }

    /// <summary>Every problem with a description, empty when it is usable. Defensive about nulls: it may come from JSON.</summary>
    private static List<string> MetadataProblems(ModelMetadata metadata)
    {
        var problems = new List<string>();
        if (!ModelVariant.TryParse(metadata.Variant, out _))
            problems.Add($"unknown model variant '{metadata.Variant}' (valid variants are {ModelVariant.ValidNames})");
        if (metadata.Classes is null || metadata.Classes.Count == 0)
            problems.Add("there are no classes");
        else
        {
            if (metadata.Classes.Any(string.IsNullOrWhiteSpace)) problems.Add("a class name is empty");
            var duplicate = metadata.Classes.Where(c => c is not null).GroupBy(c => c, StringComparer.Ordinal).FirstOrDefault(g => g.Count() > 1);
            if (duplicate is not null) problems.Add($"class '{duplicate.Key}' appears more than once");
        }
        if (metadata.Features is null) problems.Add("the feature settings are missing");
        else problems.AddRange(metadata.Features.Problems());
        if (metadata.History is null || metadata.History.Epochs is null) problems.Add("the training history is missing");
        if (metadata.WindowFrames is < 1 or > FeatureConfig.MaxFramesLimit) problems.Add($"the window length must be 1 to {FeatureConfig.MaxFramesLimit} frames (got {metadata.WindowFrames})");
        if (metadata.WindowHopFrames is { } hop && (metadata.WindowFrames is not { } window || hop < 1 || hop > window))
            problems.Add($"the window hop must be 1 to the window length ({metadata.WindowFrames?.ToString() ?? "no windows"}) frames (got {hop})");
        if (metadata.BandShifts is < 0 or > ModelMetadata.MaxBandShifts) problems.Add($"the scoring band shifts must be 0 to {ModelMetadata.MaxBandShifts} (got {metadata.BandShifts})");
        if (metadata.BandShifts > 0 && metadata.Features is { } f && metadata.BandShifts >= f.MelCount) problems.Add($"the scoring band shifts ({metadata.BandShifts}) must be fewer than the mel bands ({f.MelCount})");
        if (metadata.Members is < 2 or > MaxMembers) problems.Add($"an ensemble file holds 2 to {MaxMembers} members (got {metadata.Members})");
        return problems;
    }

    /// <summary>Reads the first bytes of <paramref name="file"/> and says whether they are the magic.</summary>
    private static bool StartsWithMagic(Stream file)
    {
        var head = new byte[Magic.Length];
        return file.ReadAtLeast(head, head.Length, throwOnEndOfStream: false) == head.Length && head.AsSpan().SequenceEqual(Magic);
    }

    private static InvalidModelException Truncated(string path) => new("the model file is truncated", path);

    private static void WriteAtomically(string path, byte[] bytes)
    {
        // AtomicFile reports a full disk as bad input and leaves nothing under the final name.
        using var file = IO.AtomicFile.Create(path);
        try
        {
            file.Stream.Write(bytes);
        }
        catch (IOException e)
        {
            throw new InvalidInputException($"write failed ({e.Message})", path, e);
        }
        file.Commit();
    }
}
