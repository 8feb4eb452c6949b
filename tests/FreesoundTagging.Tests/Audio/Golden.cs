using NumSharp;
using Xunit;

namespace FreesoundTagging.Tests.Audio;

/// <summary>The reference vectors copied into the test output (golden/**): WAVs and librosa decodes of them.</summary>
internal static class Golden
{
    public static string PathOf(string relative) => Path.Combine(AppContext.BaseDirectory, "golden", relative);

    public static float[] LoadFloats(string relative) => np.load_npy(PathOf(relative)).ToArray<float>();

    /// <summary>The WAVs, with their rate and channel count from golden/manifest.json.</summary>
    public static TheoryData<string, int, int, int> Wavs => new()
    {
        { "sine1k_44k_pcm16", 44100, 1, 44100 },
        { "chirp_44k_pcm16", 44100, 1, 66150 },
        { "noise_44k_pcm16", 44100, 1, 44100 },
        { "click_0.3s_44k_pcm16", 44100, 1, 13230 },
        { "stereo_44k_pcm16", 44100, 2, 44100 },
        { "tone_8bit_44k_u8", 44100, 1, 44100 },
        { "tone_24bit_44k_pcm24", 44100, 1, 44100 },
        { "mix_22k_pcm16", 22050, 1, 22050 },
    };

    public static double MaxAbsDifference(ReadOnlySpan<float> a, ReadOnlySpan<float> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"lengths differ: {a.Length} vs {b.Length}");
        double max = 0;
        for (int i = 0; i < a.Length; i++) max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        return max;
    }
}
