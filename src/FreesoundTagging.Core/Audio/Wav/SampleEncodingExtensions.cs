namespace FreesoundTagging.Audio;

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
