using FreesoundTagging.Audio;

namespace FreesoundTagging.Tests.Support;

/// <summary>A whole decoded clip (<see cref="WholeClipDecoder"/>): interleaved float32 samples in [-1, 1) for PCM, as soundfile/librosa scale them.</summary>
internal sealed class AudioClip
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

    /// <summary>The mean over channels (<see cref="ChannelMixer"/>); mono clips are returned as they are.</summary>
    public float[] ToMono()
    {
        if (ChannelCount == 1) return Samples;
        var mono = new float[FrameCount];
        ChannelMixer.ToMono(Samples, ChannelCount, mono);
        return mono;
    }
}
