namespace FreesoundTagging.Audio;

/// <summary>A clip as the feature extractor wants it: mono float32 at the requested rate.</summary>
/// <param name="Samples">Mono samples at the rate that was asked for.</param>
/// <param name="NativeSampleRate">The file's own rate (Hz), before resampling.</param>
/// <param name="Truncated">The file ended inside its data chunk; callers may want to warn.</param>
public sealed record LoadedAudio(float[] Samples, int NativeSampleRate, bool Truncated);
