namespace FreesoundTagging.Audio;

/// <summary>
/// The mean over channels in float32, summed channel by channel then divided, which is what numpy's
/// np.mean(y, axis=0) on float32 does in librosa's to_mono. Every decoder's source averages its blocks here, so
/// all formats give the same bits for the same samples.
/// </summary>
internal static class ChannelMixer
{
    /// <summary>Writes interleaved.Length / channels mono samples to the start of <paramref name="mono"/>.</summary>
    public static void ToMono(ReadOnlySpan<float> interleaved, int channels, Span<float> mono)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channels);
        int frames = interleaved.Length / channels;
        if (mono.Length < frames) throw new ArgumentException("mono is shorter than the frames given", nameof(mono));
        if (channels == 1)
        {
            interleaved[..frames].CopyTo(mono);
            return;
        }
        if (channels == 2)
        {
            // Stereo is the common case: same arithmetic, without the inner loop.
            for (int f = 0, i = 0; f < frames; f++, i += 2) mono[f] = (interleaved[i] + interleaved[i + 1]) / 2f;
            return;
        }
        for (int f = 0, i = 0; f < frames; f++)
        {
            float sum = interleaved[i++];
            for (int c = 1; c < channels; c++) sum += interleaved[i++];
            mono[f] = sum / channels;
        }
    }
}
