namespace FreesoundTagging.Audio;

/// <summary>
/// The encoder delay and padding an MP3 encoder (LAME and most others) records in the "Info"/"Xing" frame, so
/// that a decoder can drop the silence it added at both ends: the same trimming ffmpeg does (start: delay + 529
/// samples of decoder delay; length: frames x samples per frame - delay - padding). Without such a header
/// nothing is trimmed, as in ffmpeg.
/// </summary>
internal readonly record struct MpegGapless(int SkipFrames, long KeepFrames)
{
    private const int DecoderDelay = 529;

    /// <summary>Reads the stream's first MPEG frame (after an ID3v2 tag) and puts the position back.</summary>
    public static MpegGapless? Read(Stream stream)
    {
        long start = stream.Position;
        try
        {
            Span<byte> id3 = stackalloc byte[10];
            long frameAt = start;
            if (stream.ReadAtLeast(id3, 10, throwOnEndOfStream: false) == 10 && id3.StartsWith("ID3"u8))
                frameAt += 10 + ((id3[6] & 0x7F) << 21 | (id3[7] & 0x7F) << 14 | (id3[8] & 0x7F) << 7 | (id3[9] & 0x7F)) + ((id3[5] & 0x10) != 0 ? 10 : 0);
            stream.Position = frameAt;
            Span<byte> frame = stackalloc byte[256];
            int got = stream.ReadAtLeast(frame, frame.Length, throwOnEndOfStream: false);
            return Parse(frame[..got]);
        }
        finally
        {
            stream.Position = start;
        }
    }

    /// <param name="frame">The first bytes of the first MPEG frame.</param>
    public static MpegGapless? Parse(ReadOnlySpan<byte> frame)
    {
        if (frame.Length < 4 || frame[0] != 0xFF || (frame[1] & 0xE0) != 0xE0 || (frame[1] & 0x06) != 0x02) return null; // layer III only
        bool mpeg1 = (frame[1] & 0x18) == 0x18;
        bool mono = (frame[3] & 0xC0) == 0xC0;
        int samplesPerFrame = mpeg1 ? 1152 : 576;
        int xing = 4 + (mpeg1 ? (mono ? 17 : 32) : (mono ? 9 : 17));
        if (frame.Length < xing + 8) return null;
        var tag = frame[xing..];
        if (!tag.StartsWith("Xing"u8) && !tag.StartsWith("Info"u8)) return null;
        int flags = tag[7];
        if ((flags & 1) == 0) return null; // no frame count: the length cannot be known
        long frames = (uint)(tag[8] << 24 | tag[9] << 16 | tag[10] << 8 | tag[11]);
        int lame = 8 + 4 + ((flags & 2) != 0 ? 4 : 0) + ((flags & 4) != 0 ? 100 : 0) + ((flags & 8) != 0 ? 4 : 0);
        if (tag.Length < lame + 24) return null;
        var ext = tag[lame..];
        int delay = ext[21] << 4 | ext[22] >> 4;
        int padding = (ext[22] & 0x0F) << 8 | ext[23];
        long keep = frames * samplesPerFrame - delay - padding;
        if (keep < 0) return null;
        return new MpegGapless(delay + DecoderDelay, keep);
    }
}
