namespace FreesoundTagging.Audio;

/// <summary>Names what a file that is not RIFF/WAVE probably is, from its first bytes.</summary>
internal static class FileSignature
{
    /// <returns>"MP3", "OGG", ..., or null when the bytes are not recognised.</returns>
    public static string? Recognise(ReadOnlySpan<byte> head)
    {
        if (head.StartsWith("ID3"u8)) return "MP3";
        if (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0) return "MP3/MPEG audio";
        if (head.StartsWith("OggS"u8)) return "OGG";
        if (head.StartsWith("fLaC"u8)) return "FLAC";
        if (head.StartsWith("FORM"u8)) return "AIFF";
        if (head.StartsWith("caff"u8)) return "Core Audio (CAF)";
        if (head.Length >= 8 && head[4..].StartsWith("ftyp"u8)) return "MP4/M4A";
        if (head.StartsWith("RIFX"u8)) return "big-endian RIFX WAV";
        if (head.StartsWith("RF64"u8) || head.StartsWith("BW64"u8)) return "RF64 (over 4 GB) WAV";
        return null;
    }
}
