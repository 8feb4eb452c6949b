using System.Buffers.Binary;
using System.Text;

namespace FreesoundTagging.Tests.Audio;

/// <summary>Builds WAV bytes chunk by chunk, including the malformed kinds a WAV reader must reject.</summary>
internal sealed class WavBuilder
{
    public const ushort Pcm = 1;
    public const ushort IeeeFloat = 3;
    public const ushort Extensible = 0xFFFE;

    private readonly List<byte> _body = [];
    private string _riffId = "RIFF";
    private string _formType = "WAVE";
    private uint? _riffSize;

    /// <summary>The usual 16-byte fmt chunk; blockAlign defaults to the consistent value.</summary>
    public WavBuilder Fmt(ushort tag, int channels, int sampleRate, int bits, int? blockAlign = null)
    {
        var fmt = new byte[16];
        int align = blockAlign ?? channels * bits / 8;
        BinaryPrimitives.WriteUInt16LittleEndian(fmt, tag);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(2), (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt.AsSpan(4), (uint)sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt.AsSpan(8), (uint)(sampleRate * align));
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(12), (ushort)align);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(14), (ushort)bits);
        return Chunk("fmt ", fmt);
    }

    /// <summary>A 40-byte WAVE_FORMAT_EXTENSIBLE fmt chunk whose sub-format GUID carries <paramref name="subFormat"/>.</summary>
    public WavBuilder FmtExtensible(ushort subFormat, int channels, int sampleRate, int bits, int? validBits = null, byte[]? guidTail = null)
    {
        var fmt = new byte[40];
        int align = channels * bits / 8;
        BinaryPrimitives.WriteUInt16LittleEndian(fmt, Extensible);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(2), (ushort)channels);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt.AsSpan(4), (uint)sampleRate);
        BinaryPrimitives.WriteUInt32LittleEndian(fmt.AsSpan(8), (uint)(sampleRate * align));
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(12), (ushort)align);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(14), (ushort)bits);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(16), 22);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(18), (ushort)(validBits ?? bits));
        BinaryPrimitives.WriteUInt32LittleEndian(fmt.AsSpan(20), channels == 2 ? 3u : 0u);
        BinaryPrimitives.WriteUInt16LittleEndian(fmt.AsSpan(24), subFormat);
        (guidTail ?? [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71]).CopyTo(fmt, 26);
        return Chunk("fmt ", fmt);
    }

    public WavBuilder Data(byte[] samples, uint? declaredSize = null) => Chunk("data", samples, declaredSize);

    /// <summary>Appends a chunk; an odd-sized body gets its pad byte unless <paramref name="pad"/> is false.</summary>
    /// <param name="declaredSize">The size field to write when it should lie about the body.</param>
    public WavBuilder Chunk(string id, byte[] body, uint? declaredSize = null, bool pad = true)
    {
        _body.AddRange(FourCc(id));
        var size = new byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(size, declaredSize ?? (uint)body.Length);
        _body.AddRange(size);
        _body.AddRange(body);
        if (pad && body.Length % 2 == 1) _body.Add(0);
        return this;
    }

    /// <summary>Raw bytes after the last chunk (a truncated or garbage tail).</summary>
    public WavBuilder Raw(params byte[] bytes)
    {
        _body.AddRange(bytes);
        return this;
    }

    public WavBuilder Header(string riffId = "RIFF", string formType = "WAVE", uint? riffSize = null)
    {
        (_riffId, _formType, _riffSize) = (riffId, formType, riffSize);
        return this;
    }

    public byte[] ToArray()
    {
        var bytes = new byte[12 + _body.Count];
        FourCc(_riffId).CopyTo(bytes, 0);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(4), _riffSize ?? (uint)(4 + _body.Count));
        FourCc(_formType).CopyTo(bytes, 8);
        _body.CopyTo(bytes, 12);
        return bytes;
    }

    public static byte[] Pcm16(params short[] samples)
    {
        var bytes = new byte[samples.Length * 2];
        for (int i = 0; i < samples.Length; i++) BinaryPrimitives.WriteInt16LittleEndian(bytes.AsSpan(2 * i), samples[i]);
        return bytes;
    }

    public static byte[] Pcm24(params int[] samples)
    {
        var bytes = new byte[samples.Length * 3];
        for (int i = 0; i < samples.Length; i++)
        {
            bytes[3 * i] = (byte)samples[i];
            bytes[3 * i + 1] = (byte)(samples[i] >> 8);
            bytes[3 * i + 2] = (byte)(samples[i] >> 16);
        }
        return bytes;
    }

    public static byte[] Pcm32(params int[] samples)
    {
        var bytes = new byte[samples.Length * 4];
        for (int i = 0; i < samples.Length; i++) BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(4 * i), samples[i]);
        return bytes;
    }

    public static byte[] Float32(params float[] samples)
    {
        var bytes = new byte[samples.Length * 4];
        for (int i = 0; i < samples.Length; i++) BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(4 * i), samples[i]);
        return bytes;
    }

    public static byte[] Float64(params double[] samples)
    {
        var bytes = new byte[samples.Length * 8];
        for (int i = 0; i < samples.Length; i++) BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * i), samples[i]);
        return bytes;
    }

    /// <summary>A valid mono 16-bit 44.1 kHz file holding <paramref name="samples"/>.</summary>
    public static byte[] MonoPcm16(params short[] samples) =>
        new WavBuilder().Fmt(Pcm, 1, 44100, 16).Data(Pcm16(samples)).ToArray();

    private static byte[] FourCc(string id)
    {
        if (id.Length != 4) throw new ArgumentException($"chunk id '{id}' is not four characters", nameof(id));
        return Encoding.ASCII.GetBytes(id);
    }
}
