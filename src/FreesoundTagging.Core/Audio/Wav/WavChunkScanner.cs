using System.Buffers.Binary;
using System.Text;

namespace FreesoundTagging.Audio;

/// <summary>
/// Walks the RIFF chunks of a seekable stream to find fmt and data, in any order and among any other chunks.
/// Only headers and the fmt body are read; a size field is never trusted beyond the bytes the stream holds.
/// </summary>
internal static class WavChunkScanner
{
    private const uint FmtId = 0x20746D66; // "fmt "
    private const uint DataId = 0x61746164; // "data"

    /// <exception cref="InvalidAudioException">Not a WAV, or fmt/data missing or malformed.</exception>
    public static WavLayout Scan(Stream stream, string? path)
    {
        long start = stream.Position;
        long length = stream.Length - start;
        if (length <= 0) throw new InvalidAudioException("file is empty (0 bytes)", path);

        Span<byte> header = stackalloc byte[12];
        header = header[..ReadAt(stream, start, header)];
        CheckRiffHeader(header, path);

        WavFormat? format = null;
        long dataOffset = -1;
        uint dataSize = 0;
        string? overrun = null;
        Span<byte> chunkHeader = stackalloc byte[8];
        Span<byte> fmtBody = stackalloc byte[WavFormat.MaxBytesRead];
        long position = 12;
        while (position <= length - 8 && (format is null || dataOffset < 0))
        {
            ReadAt(stream, start + position, chunkHeader);
            uint id = BinaryPrimitives.ReadUInt32LittleEndian(chunkHeader);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(chunkHeader[4..]);
            long body = position + 8;
            long remaining = length - body;
            if (size > remaining)
                overrun = $"chunk '{ChunkName(chunkHeader[..4])}' at byte {position} declares {size} bytes but only {remaining} remain";

            if (id == FmtId && format is null)
            {
                if (size > remaining)
                    throw new InvalidAudioException($"fmt chunk is cut short: {overrun}", path);
                int read = ReadAt(stream, start + body, fmtBody[..(int)Math.Min(size, (uint)fmtBody.Length)]);
                format = WavFormat.Parse(fmtBody[..read], size, path);
            }
            else if (id == DataId && dataOffset < 0)
            {
                dataOffset = body;
                dataSize = size;
                // A data chunk that runs past the end is the last thing in the file; nothing after it to find.
                if (size > remaining) break;
            }
            // Chunks are word-aligned: an odd-sized chunk is followed by one pad byte.
            position = body + size + (size & 1);
        }

        string hint = overrun is null ? "" : $" ({overrun})";
        if (format is null) throw new InvalidAudioException($"no fmt chunk{hint}", path);
        if (dataOffset < 0) throw new InvalidAudioException($"no data chunk{hint}", path);

        long present = Math.Min(dataSize, length - dataOffset);
        return new WavLayout(format.Value, start + dataOffset, present, Truncated: dataSize > present);
    }

    private static void CheckRiffHeader(ReadOnlySpan<byte> header, string? path)
    {
        if (!header.StartsWith("RIFF"u8))
        {
            string? kind = FileSignature.Recognise(header);
            throw new InvalidAudioException(
                kind is null ? "not a RIFF/WAVE file" : $"not a RIFF/WAVE file (looks like {kind})", path);
        }
        if (header.Length < 12)
            throw new InvalidAudioException($"not a RIFF/WAVE file: the header is cut short at {header.Length} bytes", path);
        if (!header[8..].SequenceEqual("WAVE"u8))
            throw new InvalidAudioException($"not a RIFF/WAVE file: RIFF form type is '{ChunkName(header[8..12])}'", path);
    }

    /// <summary>Reads up to buffer.Length bytes at an absolute position; fewer only at the end of the stream.</summary>
    private static int ReadAt(Stream stream, long position, Span<byte> buffer)
    {
        stream.Position = position;
        return stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
    }

    /// <summary>The four-character code as text when printable, else in hex, for error messages.</summary>
    private static string ChunkName(ReadOnlySpan<byte> id)
    {
        foreach (byte b in id)
            if (b is < 0x20 or > 0x7E) return "0x" + Convert.ToHexString(id);
        return Encoding.ASCII.GetString(id);
    }
}
