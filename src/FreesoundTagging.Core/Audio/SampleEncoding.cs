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

internal static class SampleEncodingExtensions
{
    public static int BytesPerSample(this SampleEncoding encoding) => encoding switch
    {
        SampleEncoding.PcmU8 => 1,
        SampleEncoding.Pcm16 => 2,
        SampleEncoding.Pcm24 => 3,
        SampleEncoding.Pcm32 => 4,
        SampleEncoding.Float32 => 4,
        SampleEncoding.Float64 => 8,
        _ => throw new ArgumentOutOfRangeException(nameof(encoding), encoding, null),
    };

    public static bool IsFloat(this SampleEncoding encoding) =>
        encoding is SampleEncoding.Float32 or SampleEncoding.Float64;
}
