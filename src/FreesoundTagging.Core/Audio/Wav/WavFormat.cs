using System.Buffers.Binary;

namespace FreesoundTagging.Audio;

/// <summary>What the fmt chunk says about the samples, checked for consistency.</summary>
internal readonly record struct WavFormat(SampleEncoding Encoding, int ChannelCount, int SampleRate)
{
    /// <summary>The fmt fields we read end here (WAVE_FORMAT_EXTENSIBLE's sub-format GUID).</summary>
    public const int MaxBytesRead = 40;

    /// <summary>Bytes per frame (nBlockAlign).</summary>
    public int BlockAlign => ChannelCount * Encoding.BytesPerSample();

    // KSDATAFORMAT_SUBTYPE_* GUIDs are the format tag followed by this fixed tail.
    private static ReadOnlySpan<byte> SubFormatGuidTail =>
        [0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71];

    /// <param name="body">The first min(<paramref name="declaredSize"/>, <see cref="MaxBytesRead"/>) bytes of the chunk.</param>
    /// <param name="declaredSize">The chunk's size field.</param>
    /// <exception cref="InvalidAudioException">The format is malformed or one we do not decode.</exception>
    public static WavFormat Parse(ReadOnlySpan<byte> body, uint declaredSize, string? path)
    {
        if (declaredSize < 16 || body.Length < 16)
            throw new InvalidAudioException($"fmt chunk is {declaredSize} bytes, shorter than the 16 every WAV needs", path);
        ushort tag = BinaryPrimitives.ReadUInt16LittleEndian(body);
        int channels = BinaryPrimitives.ReadUInt16LittleEndian(body[2..]);
        uint sampleRate = BinaryPrimitives.ReadUInt32LittleEndian(body[4..]);
        int blockAlign = BinaryPrimitives.ReadUInt16LittleEndian(body[12..]);
        int bits = BinaryPrimitives.ReadUInt16LittleEndian(body[14..]);

        if (tag == WavFormatTag.Extensible)
            tag = ParseExtensible(body, declaredSize, bits, path);
        if (tag is not (WavFormatTag.Pcm or WavFormatTag.IeeeFloat))
            throw new InvalidAudioException(
                $"unsupported WAV encoding {WavFormatTag.Describe(tag)}; convert the file to PCM " +
                "(e.g. ffmpeg -i in.wav -c:a pcm_s16le out.wav)", path);
        if (channels == 0)
            throw new InvalidAudioException("fmt chunk declares 0 channels", path);
        if (sampleRate == 0)
            throw new InvalidAudioException("fmt chunk declares a sample rate of 0 Hz", path);
        if (sampleRate > int.MaxValue)
            throw new InvalidAudioException($"fmt chunk declares an impossible sample rate of {sampleRate} Hz", path);

        var encoding = (tag, bits) switch
        {
            (WavFormatTag.Pcm, 8) => SampleEncoding.PcmU8,
            (WavFormatTag.Pcm, 16) => SampleEncoding.Pcm16,
            (WavFormatTag.Pcm, 24) => SampleEncoding.Pcm24,
            (WavFormatTag.Pcm, 32) => SampleEncoding.Pcm32,
            (WavFormatTag.IeeeFloat, 32) => SampleEncoding.Float32,
            (WavFormatTag.IeeeFloat, 64) => SampleEncoding.Float64,
            (WavFormatTag.Pcm, _) => throw new InvalidAudioException(
                $"PCM with {bits} bits per sample is not supported (8, 16, 24 or 32)", path),
            _ => throw new InvalidAudioException(
                $"IEEE float with {bits} bits per sample is not valid (32 or 64)", path),
        };
        var format = new WavFormat(encoding, channels, (int)sampleRate);
        if (blockAlign != format.BlockAlign)
            throw new InvalidAudioException(
                $"block align {blockAlign} does not match {channels} channel(s) of {bits}-bit samples ({format.BlockAlign} bytes per frame)", path);
        return format;
    }

    /// <returns>The format tag that the sub-format GUID stands for.</returns>
    private static ushort ParseExtensible(ReadOnlySpan<byte> body, uint declaredSize, int bits, string? path)
    {
        if (declaredSize < MaxBytesRead || body.Length < MaxBytesRead)
            throw new InvalidAudioException(
                $"WAVE_FORMAT_EXTENSIBLE fmt chunk is {declaredSize} bytes, shorter than the {MaxBytesRead} it needs", path);
        int validBits = BinaryPrimitives.ReadUInt16LittleEndian(body[18..]);
        var guid = body.Slice(24, 16);
        if (!guid[2..].SequenceEqual(SubFormatGuidTail))
            throw new InvalidAudioException(
                $"unsupported WAVE_FORMAT_EXTENSIBLE sub-format {Convert.ToHexString(guid)}; convert the file to PCM", path);
        // Fewer valid bits (20 in a 24-bit container) still decode by the container size, as libsndfile does.
        if (validBits > bits)
            throw new InvalidAudioException($"{validBits} valid bits per sample exceed the {bits}-bit container", path);
        return BinaryPrimitives.ReadUInt16LittleEndian(guid);
    }
}
