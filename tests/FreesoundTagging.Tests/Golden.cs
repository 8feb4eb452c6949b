using NumSharp;
using Xunit;

namespace FreesoundTagging.Tests;

/// <summary>Paths to the librosa reference vectors copied into tests/golden (see golden/original/manifest.json).</summary>
internal static class Golden
{
    public static string Dir { get; } = Path.Combine(AppContext.BaseDirectory, "golden");

    public static string PathOf(string relative) => Path.Combine(Dir, relative);

    /// <summary>The eight clips of the original-recipe goldens (16/24/8-bit, stereo, 22.05 kHz, a 0.3 s click).</summary>
    public static readonly string[] OriginalCases =
    [
        "sine1k_44k_pcm16", "chirp_44k_pcm16", "noise_44k_pcm16", "click_0.3s_44k_pcm16",
        "stereo_44k_pcm16", "tone_8bit_44k_u8", "tone_24bit_44k_pcm24", "mix_22k_pcm16",
    ];

    public static (int[] Shape, float[] Values) LoadSingle(string relative)
    {
        NDArray a = np.load_npy(PathOf(relative), false, 100_000);
        return (a.shape.Select(d => (int)d).ToArray(), a.astype(NPTypeCode.Single).ToArray<float>());
    }

    public static (int[] Shape, double[] Values) LoadDouble(string relative)
    {
        NDArray a = np.load_npy(PathOf(relative), false, 100_000);
        return (a.shape.Select(d => (int)d).ToArray(), a.astype(NPTypeCode.Double).ToArray<double>());
    }

    public static float[] LoadFloats(string relative) => LoadSingle(relative).Values;

    /// <summary>The golden WAVs: name, sample rate, channels, frames (from golden/manifest.json).</summary>
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
