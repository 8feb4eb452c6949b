namespace FreesoundTagging.Audio;

/// <summary>What a file holds, judged from its first bytes: which decoder reads it and what to call it.</summary>
/// <param name="Name">What the user is told the file is, e.g. "FLAC" or "Ogg Opus".</param>
public sealed record AudioFormat(AudioDecoderKind Decoder, string Name)
{
    /// <summary>Bytes of the file's start that <see cref="Detect"/> looks at.</summary>
    public const int HeadBytes = 64;

    /// <summary>Names the format from the file's first bytes (up to <see cref="HeadBytes"/>).</summary>
    public static AudioFormat Detect(ReadOnlySpan<byte> head)
    {
        if (head.Length >= 12 && head.StartsWith("RIFF"u8) && head[8..].StartsWith("WAVE"u8)) return new(AudioDecoderKind.Wav, "WAV");
        if (head.StartsWith("RIFF"u8) || head.StartsWith("RIFX"u8)) return new(AudioDecoderKind.Wav, "WAV");
        if (head.StartsWith("RF64"u8) || head.StartsWith("BW64"u8)) return new(AudioDecoderKind.Ffmpeg, "RF64 WAV");
        if (head.StartsWith("ID3"u8)) return new(AudioDecoderKind.Mpeg, "MP3");
        if (head.StartsWith("OggS"u8)) return DetectOgg(head);
        if (head.StartsWith("fLaC"u8)) return new(AudioDecoderKind.Ffmpeg, "FLAC");
        if (head.Length >= 12 && head.StartsWith("FORM"u8) && (head[8..].StartsWith("AIFF"u8) || head[8..].StartsWith("AIFC"u8)))
            return new(AudioDecoderKind.Ffmpeg, "AIFF");
        if (head.StartsWith("caff"u8)) return new(AudioDecoderKind.Ffmpeg, "Core Audio (CAF)");
        if (head.Length >= 8 && head[4..].StartsWith("ftyp"u8)) return new(AudioDecoderKind.Ffmpeg, "MP4/M4A");
        if (head.StartsWith((ReadOnlySpan<byte>)[0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11])) return new(AudioDecoderKind.Ffmpeg, "WMA/ASF");
        if (head.StartsWith((ReadOnlySpan<byte>)[0x1A, 0x45, 0xDF, 0xA3])) return new(AudioDecoderKind.Ffmpeg, "WebM/Matroska");
        if (head.StartsWith("#!AMR"u8)) return new(AudioDecoderKind.Ffmpeg, "AMR");
        if (head.StartsWith("MAC "u8)) return new(AudioDecoderKind.Ffmpeg, "Monkey's Audio");
        if (head.StartsWith("wvpk"u8)) return new(AudioDecoderKind.Ffmpeg, "WavPack");
        if (head.StartsWith(".snd"u8)) return new(AudioDecoderKind.Ffmpeg, "Sun/NeXT AU");
        if (head.Length >= 2 && head[0] == 0xFF && (head[1] & 0xF6) == 0xF0) return new(AudioDecoderKind.Ffmpeg, "AAC (ADTS)");
        if (IsMpegFrameHeader(head)) return new(AudioDecoderKind.Mpeg, "MP3");
        return new(AudioDecoderKind.Unknown, "unrecognised");
    }

    // An MPEG audio frame header: 11 sync bits, a version other than "reserved", layer I-III, a bitrate index
    // other than "bad" and a sample-rate index other than "reserved"; this rules out ADTS (layer bits 00).
    private static bool IsMpegFrameHeader(ReadOnlySpan<byte> head) =>
        head.Length >= 3 && head[0] == 0xFF && (head[1] & 0xE0) == 0xE0
        && (head[1] & 0x18) != 0x08 && (head[1] & 0x06) != 0 && (head[2] & 0xF0) != 0xF0 && (head[2] & 0x0C) != 0x0C;

    // The first Ogg page holds the first packet of the first stream, which names its codec.
    private static AudioFormat DetectOgg(ReadOnlySpan<byte> head)
    {
        if (head.Length < 27) return new(AudioDecoderKind.Ffmpeg, "Ogg");
        int segments = head[26];
        var packet = head.Length > 27 + segments ? head[(27 + segments)..] : [];
        if (packet.StartsWith("\u0001vorbis"u8)) return new(AudioDecoderKind.Vorbis, "Ogg Vorbis");
        if (packet.StartsWith("OpusHead"u8)) return new(AudioDecoderKind.Ffmpeg, "Ogg Opus");
        if (packet.StartsWith("\u007fFLAC"u8)) return new(AudioDecoderKind.Ffmpeg, "Ogg FLAC");
        if (packet.StartsWith("Speex   "u8)) return new(AudioDecoderKind.Ffmpeg, "Ogg Speex");
        return new(AudioDecoderKind.Ffmpeg, "Ogg");
    }
}
