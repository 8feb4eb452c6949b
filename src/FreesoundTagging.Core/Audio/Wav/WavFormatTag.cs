namespace FreesoundTagging.Audio;

/// <summary>The wFormatTag values of the fmt chunk that we decode or name in errors.</summary>
internal static class WavFormatTag
{
    public const ushort Pcm = 0x0001;
    public const ushort IeeeFloat = 0x0003;
    public const ushort Extensible = 0xFFFE;

    /// <summary>A readable name for an encoding we do not decode, so the error says what the file is.</summary>
    public static string Describe(ushort tag) => tag switch
    {
        0x0000 => "unknown (format tag 0)",
        0x0002 => "Microsoft ADPCM",
        0x0006 => "A-law",
        0x0007 => "mu-law",
        0x0011 => "IMA ADPCM",
        0x0022 => "TrueSpeech",
        0x0031 => "GSM 6.10",
        0x0040 => "G.721 ADPCM",
        0x0050 => "MPEG audio",
        0x0055 => "MP3",
        0x0092 => "Dolby AC-3",
        0x00FF => "AAC",
        0x0160 or 0x0161 or 0x0162 or 0x0163 => "Windows Media Audio",
        0x1610 => "AAC (HE-AAC)",
        0xF1AC => "FLAC",
        _ => $"format tag 0x{tag:X4}",
    };
}
