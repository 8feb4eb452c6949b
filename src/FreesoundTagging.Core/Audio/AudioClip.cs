namespace FreesoundTagging.Audio;

/// <summary>Decoded audio: interleaved float32 samples in [-1, 1) for PCM, as soundfile/librosa scale them.</summary>
public sealed class AudioClip
{
    public AudioClip(int sampleRate, int channelCount, float[] samples, bool truncated = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(channelCount);
        ArgumentNullException.ThrowIfNull(samples);
        if (samples.Length % channelCount != 0)
            throw new ArgumentException($"{samples.Length} samples do not make whole frames of {channelCount} channels", nameof(samples));
        SampleRate = sampleRate;
        ChannelCount = channelCount;
        Samples = samples;
        Truncated = truncated;
    }

    /// <summary>Frames per second (Hz).</summary>
    public int SampleRate { get; }

    public int ChannelCount { get; }

    /// <summary>Interleaved: frame f, channel c is at f * ChannelCount + c.</summary>
    public float[] Samples { get; }

    /// <summary>The file declared more data than it holds; only the whole frames present were decoded.</summary>
    public bool Truncated { get; }

    public int FrameCount => Samples.Length / ChannelCount;

    public double DurationSeconds => (double)FrameCount / SampleRate;

    /// <summary>
    /// The mean over channels in float32, summed channel by channel then divided, which is what numpy's
    /// np.mean(y, axis=0) on float32 does in librosa's to_mono; mono clips are returned as they are.
    /// </summary>
    public float[] ToMono()
    {
        if (ChannelCount == 1) return Samples;
        int channels = ChannelCount;
        var mono = new float[FrameCount];
        float[] source = Samples;
        if (channels == 2)
        {
            // Stereo is the common case: same arithmetic, without the inner loop.
            for (int f = 0, i = 0; f < mono.Length; f++, i += 2) mono[f] = (source[i] + source[i + 1]) / 2f;
            return mono;
        }
        for (int f = 0, i = 0; f < mono.Length; f++)
        {
            float sum = source[i++];
            for (int c = 1; c < channels; c++) sum += source[i++];
            mono[f] = sum / channels;
        }
        return mono;
    }
}
