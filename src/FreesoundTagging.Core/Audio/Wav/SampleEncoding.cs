namespace FreesoundTagging.Audio;

/// <summary>How one sample is stored in a WAV data chunk (all little-endian).</summary>
public enum SampleEncoding
{
    /// <summary>8-bit unsigned PCM, 128 is silence.</summary>
    PcmU8,
    Pcm16,
    Pcm24,
    Pcm32,
    Float32,
    Float64,
}
