using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FreesoundTagging.IO;

namespace FreesoundTagging.IO;

/// <summary>One tensor of a safetensors file: dtype name ("F32", "I64"), shape and little-endian bytes.</summary>
public sealed record SafeTensor(string Dtype, long[] Shape, byte[] Data);

/// <summary>
/// The safetensors format (huggingface/safetensors): an 8-byte little-endian header length, a JSON header naming
/// each tensor's dtype, shape and byte range, then the bytes. Written here directly (it is that small), so the
/// export needs no Python-side package either: numpy reads it (src/python/freesound_tagging.py).
/// </summary>
public static class Safetensors
{
    private static readonly Dictionary<string, int> ElementSizes = new() { ["F32"] = 4, ["F64"] = 8, ["I64"] = 8, ["I32"] = 4 };

    public static void Write(string path, IReadOnlyDictionary<string, SafeTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is not null)
        {
            var meta = new JsonObject();
            foreach (var (k, v) in metadata) meta[k] = v;
            header["__metadata__"] = meta;
        }
        long offset = 0;
        foreach (var (name, t) in tensors)
        {
            header[name] = new JsonObject
            {
                ["dtype"] = t.Dtype,
                ["shape"] = new JsonArray(t.Shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + t.Data.Length),
            };
            offset += t.Data.Length;
        }
        byte[] json = Encoding.UTF8.GetBytes(header.ToJsonString());
        // The header is padded with spaces so the data starts 8-byte aligned, as the reference writer does.
        int padded = (json.Length + 7) / 8 * 8;
        using var file = AtomicFile.Create(path);
        Span<byte> length = stackalloc byte[8];
        BinaryPrimitives.WriteUInt64LittleEndian(length, (ulong)padded);
        file.Stream.Write(length);
        file.Stream.Write(json);
        for (int i = json.Length; i < padded; i++) file.Stream.WriteByte((byte)' ');
        foreach (var t in tensors.Values) file.Stream.Write(t.Data);
        file.Commit();
    }

    /// <exception cref="InvalidInputException">Not a safetensors file, or inconsistent.</exception>
    /// <summary>The file starts as a safetensors file does: an 8-byte little-endian header length that fits the file,
    /// then the header's "{". Only to name a wrong file in a message.</summary>
    public static bool LooksLike(string path)
    {
        try
        {
            using var stream = File.OpenRead(path);
            Span<byte> start = stackalloc byte[9];
            if (stream.ReadAtLeast(start, 9, throwOnEndOfStream: false) < 9) return false;
            ulong length = System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(start);
            return start[8] == (byte)'{' && length >= 2 && length <= (ulong)stream.Length - 8;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    public static (Dictionary<string, SafeTensor> Tensors, Dictionary<string, string> Metadata) Read(string path)
    {
        // Refused unopened unless a regular file (a FIFO would block, /dev/zero would fill memory); one array holds it.
        byte[] bytes = RegularFile.ReadAllBytes(path, "a safetensors file", Array.MaxLength);
        if (bytes.Length < 8) throw new InvalidInputException("not a safetensors file (too short)", path);
        ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        if (headerLength > (ulong)(bytes.Length - 8)) throw new InvalidInputException("not a safetensors file (header longer than the file)", path);
        JsonObject header;
        try
        {
            header = JsonNode.Parse(bytes.AsSpan(8, (int)headerLength))?.AsObject() ?? throw new JsonException("empty header");
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            throw new InvalidInputException($"not a safetensors file (header: {e.Message.Split('\n')[0]})", path, e);
        }
        int dataStart = 8 + (int)headerLength;
        var ranges = new List<(long Begin, long End, string Name)>();
        var tensors = new Dictionary<string, SafeTensor>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (name, node) in header)
        {
            try
            {
                if (name == "__metadata__")
                {
                    foreach (var (k, v) in node!.AsObject()) metadata[k] = v!.GetValue<string>();
                    continue;
                }
                string dtype = node!["dtype"]!.GetValue<string>();
                long[] shape = node["shape"]!.AsArray().Select(d => d!.GetValue<long>()).ToArray();
                long begin = node["data_offsets"]![0]!.GetValue<long>(), end = node["data_offsets"]![1]!.GetValue<long>();
                if (!ElementSizes.TryGetValue(dtype, out int size)) throw new InvalidDataException($"unsupported dtype {dtype}");
                long expected = shape.Aggregate(1L, (a, b) => a * b) * size;
                if (begin < 0 || end - begin != expected || dataStart + end > bytes.Length) throw new InvalidDataException($"byte range {begin}..{end} does not fit shape ({string.Join(", ", shape)})");
                if (shape.Any(d => d < 0)) throw new InvalidDataException($"shape ({string.Join(", ", shape)}) has a negative size");
                tensors[name] = new SafeTensor(dtype, shape, bytes.AsSpan(dataStart + (int)begin, (int)(end - begin)).ToArray());
                ranges.Add((begin, end, name));
            }
            catch (Exception e) when (e is InvalidDataException or InvalidOperationException or NullReferenceException or FormatException or OverflowException)
            {
                throw new InvalidInputException($"tensor '{name}': {e.Message}", path, e);
            }
        }
        // Each tensor owns its bytes, as the reference reader requires: two tensors over the same bytes are a forged
        // or corrupt header (editing one would silently change the other).
        ranges.Sort((a, b) => a.Begin.CompareTo(b.Begin));
        for (int i = 1; i < ranges.Count; i++)
        {
            if (ranges[i].Begin < ranges[i - 1].End)
                throw new InvalidInputException($"tensors '{ranges[i - 1].Name}' (bytes {ranges[i - 1].Begin}..{ranges[i - 1].End}) and '{ranges[i].Name}' (bytes {ranges[i].Begin}..{ranges[i].End}) overlap", path);
        }
        return (tensors, metadata);
    }

    /// <summary>The first NaN or infinite element of a floating-point tensor (its index and "NaN" / "infinity"), or null.</summary>
    public static (long Index, string Value)? FirstNonFinite(SafeTensor tensor)
    {
        if (tensor.Dtype == "F32")
        {
            var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(tensor.Data);
            for (int i = 0; i < values.Length; i++)
                if (!float.IsFinite(values[i])) return (i, float.IsNaN(values[i]) ? "NaN" : "infinity");
        }
        else if (tensor.Dtype == "F64")
        {
            var values = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, double>(tensor.Data);
            for (int i = 0; i < values.Length; i++)
                // Copied into float32 weights, a double beyond float's range becomes infinite too.
                if (!double.IsFinite(values[i]) || Math.Abs(values[i]) > float.MaxValue) return (i, double.IsNaN(values[i]) ? "NaN" : "infinity");
        }
        return null;
    }
}
