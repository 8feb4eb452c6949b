namespace FreesoundTagging.Audio;

/// <summary>librosa 0.6's <c>load(path, sr=sampleRate, mono=True)</c>: decode, average channels, then resample.</summary>
public static class AudioLoader
{
    /// <summary>
    /// The lowest file sample rate decoded. No audio is recorded below it, and resampling costs what the output is
    /// long: a 6 KB WAV that says 1 Hz holds 50 minutes at 44.1 kHz (13 hours for 96 KB).
    /// </summary>
    public const int MinFileSampleRate = 1000;

    /// <summary>
    /// The file (any format) as mono samples at <paramref name="sampleRate"/>, decoded, averaged and resampled as the
    /// caller reads, so a long clip costs a few blocks of memory instead of several copies of itself. The whole clip
    /// in one array is this source read to its end (<see cref="MonoSampleSourceExtensions.ReadToEnd"/>).
    /// </summary>
    /// <exception cref="InvalidAudioException">The file is not audio we can decode, or is too long to resample.</exception>
    /// <param name="cancel">Stops an ffmpeg decode blocked on its pipe (see <see cref="AudioDecoder.OpenMono(string, string?, CancellationToken)"/>).</param>
    public static IMonoSampleSource OpenMono(string path, int sampleRate, CancellationToken cancel = default)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        CheckRegular(path);
        var source = AudioDecoder.OpenMono(path, FfmpegDecoder.Executable, cancel);
        if (source.SampleRate == sampleRate) return source;
        try
        {
            CheckRate(source.SampleRate, path);
            // From the header: a file cut short only makes fewer.
            CheckResampledLength(source.LengthHint, source.SampleRate, sampleRate, path);
        }
        catch
        {
            source.Dispose();
            throw;
        }
        return new ResamplingSource(source, sampleRate);
    }

    private static void CheckRegular(string path)
    {
        // Every decoder sits behind this entry point, so one check keeps all of them (ffmpeg too) from opening a FIFO or device.
        if (IO.RegularFile.Problem(path, "an audio file") is { } problem) throw new InvalidAudioException(problem, path);
    }

    private static void CheckRate(int rate, string path)
    {
        if (rate < MinFileSampleRate)
            throw new InvalidAudioException($"sample rate {rate} Hz is below {MinFileSampleRate} Hz; no audio is recorded at such a rate (a damaged or mislabelled header?)", path);
    }

    private static void CheckResampledLength(long frames, int sourceRate, int targetRate, string path)
    {
        long length = Resampler.OutputLength(frames, sourceRate, targetRate);
        if (length > Array.MaxLength)
            throw new InvalidAudioException($"{frames} frames at {sourceRate} Hz become {length} samples at {targetRate} Hz, too many to hold", path);
    }
}
