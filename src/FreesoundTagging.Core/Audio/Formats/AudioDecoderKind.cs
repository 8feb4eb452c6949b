namespace FreesoundTagging.Audio;

/// <summary>Which decoder reads a file, chosen from its first bytes (never its extension).</summary>
public enum AudioDecoderKind
{
    /// <summary>RIFF/WAVE: our <see cref="WavMonoSource"/>.</summary>
    Wav,

    /// <summary>MPEG-1/2 audio layer I-III: NLayer (<see cref="MpegMonoSource"/>).</summary>
    Mpeg,

    /// <summary>Ogg Vorbis: NVorbis (<see cref="VorbisMonoSource"/>).</summary>
    Vorbis,

    /// <summary>A format we recognise but only ffmpeg decodes (FLAC, Opus, AAC/M4A, AIFF, WMA, ...): <see cref="FfmpegMonoSource"/>.</summary>
    Ffmpeg,

    /// <summary>Not recognised; ffmpeg, when present, is given a try.</summary>
    Unknown,
}
