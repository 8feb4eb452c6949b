using FreesoundTagging.Audio;

namespace FreesoundTagging.Tests.Support;

/// <summary>
/// librosa 0.6's <c>resample</c> on a whole array, for checking <see cref="ResamplingSource"/> (which computes each
/// output as soon as its input has arrived) against: resampy's loop over the whole input, then fix_length's zero.
/// </summary>
internal static class WholeClipResampler
{
    /// <returns>A new array at <paramref name="targetRate"/>; a copy of the input when the rates are equal.</returns>
    public static float[] Resample(ReadOnlySpan<float> x, int sourceRate, int targetRate)
    {
        long outputLength = Resampler.OutputLength(x.Length, sourceRate, targetRate);
        if (sourceRate == targetRate) return x.ToArray();
        var y = new float[outputLength];
        int resampyLength = (int)Resampler.ResampyLength(x.Length, sourceRate, targetRate);
        Resampler.Interpolate(x, 0, x.Length, 0, y.AsSpan(0, resampyLength), (double)targetRate / sourceRate);
        return y;
    }
}
