namespace FreesoundTagging.Audio;

/// <summary>librosa 0.6's <c>load(path, sr=sampleRate, mono=True)</c>: decode, average channels, then resample.</summary>
public static class AudioLoader
{
    /// <exception cref="InvalidAudioException">The file is not audio we can decode, or is too long to resample.</exception>
    public static LoadedAudio LoadMono(string path, int sampleRate)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(sampleRate);
        // Every decoder sits behind this entry point, so one check keeps all of them (ffmpeg too) from opening a FIFO or device.
        if (IO.RegularFile.Problem(path, "an audio file") is { } problem) throw new InvalidAudioException(problem, path);
        var clip = AudioDecoder.Read(path);
        float[] mono = clip.ToMono();
        if (clip.SampleRate != sampleRate)
        {
            long length = Resampler.OutputLength(mono.Length, clip.SampleRate, sampleRate);
            if (length > Array.MaxLength)
                throw new InvalidAudioException(
                    $"{clip.FrameCount} frames at {clip.SampleRate} Hz become {length} samples at {sampleRate} Hz, too many to hold", path);
            mono = Resampler.Resample(mono, clip.SampleRate, sampleRate);
        }
        return new LoadedAudio(mono, clip.SampleRate, clip.Truncated);
    }
}
