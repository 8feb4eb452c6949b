using FreesoundTagging.Audio;

namespace FreesoundTagging.Features;

/// <summary>
/// One clip's log-mel, or the user-facing reason it has none (unreadable, not a WAV, empty). Errors are returned,
/// not thrown, so that one bad file among thousands decoded in parallel can be skipped or fallen back on.
/// </summary>
/// <param name="ShortRead">The file ended inside its data chunk and was read as far as it goes.</param>
/// <param name="Seconds">Audio read: the whole clip, or up to where reading stopped once the kept rows were full.</param>
public sealed record ClipFeatures(LogMel? Mel, InvalidInputException? Error, double Seconds, bool ShortRead)
{
    /// <summary>The largest |sample| of the clip (mono, at the extractor's rate); 0 for silence or an unread clip.</summary>
    public float Peak { get; init; }

    /// <summary>Frames the whole clip has (see <see cref="StreamedLogMel.ClipFrames"/>): Mel.Frames unless rows were cut off.</summary>
    public int ClipFrames { get; init; }

    /// <summary>
    /// Decodes <paramref name="path"/> at the extractor's sample rate and extracts its log-mel, streaming: the samples
    /// are never held whole (<see cref="AudioLoader.OpenMono"/>), so a long clip costs its log-mel, not its audio.
    /// </summary>
    /// <param name="read">Told the number of samples each time a block is decoded (progress).</param>
    public static ClipFeatures Load(LogMelExtractor extractor, string path, Action<int>? read = null) => Load(extractor, path, int.MaxValue, CancellationToken.None, read);

    /// <summary>
    /// As <see cref="Load(LogMelExtractor, string, Action{int})"/>, keeping the first <paramref name="keepFrames"/> rows: the file is
    /// read no further than they need (with a clip-peak reference, to its end for the peak).
    /// </summary>
    /// <exception cref="OperationCanceledException"><paramref name="cancel"/> was cancelled.</exception>
    public static ClipFeatures Load(LogMelExtractor extractor, string path, int keepFrames, CancellationToken cancel, Action<int>? read = null)
    {
        int rate = extractor.Config.SampleRate;
        try
        {
            StreamedLogMel streamed;
            long samples;
            bool truncated;
            float peak;
            using (var source = new MeteredMonoSource(AudioLoader.OpenMono(path, rate, cancel), read))
            {
                streamed = extractor.Extract(source, keepFrames, cancel);
                samples = source.Position;
                truncated = source.Truncated;
                peak = source.Peak;
            }
            LogMel mel = streamed.Mel;
            // Finite but huge samples (a float WAV scaled by 1e30) overflow the power spectrum: such a clip must
            // never be written to samples.npy or scored.
            int bad = FirstNonFinite(mel.Values);
            if (bad >= 0)
                throw new InvalidAudioException(
                    $"its log-mel features are not finite (frame {bad / mel.MelCount} is {mel.Values[bad]}; peak sample magnitude {PeakMagnitude(path, rate):G3}, expected about 1)", path);
            return new ClipFeatures(mel, null, samples / (double)rate, truncated) { Peak = peak, ClipFrames = streamed.ClipFrames };
        }
        catch (InvalidInputException e)
        {
            return Failed(e.Path is null ? new InvalidAudioException(e.Message, path, e) : e);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return Failed(new InvalidAudioException($"cannot read ({e.Message})", path, e));
        }
    }

    private static int FirstNonFinite(float[] values)
    {
        for (int i = 0; i < values.Length; i++)
            if (!float.IsFinite(values[i])) return i;
        return -1;
    }

    /// <summary>Only for the error message: the samples were not kept, so the file is read a second time.</summary>
    private static float PeakMagnitude(string path, int rate)
    {
        using var source = AudioLoader.OpenMono(path, rate);
        var block = new float[16 * 1024];
        float peak = 0;
        int got;
        while ((got = source.Read(block)) > 0)
            foreach (float x in block.AsSpan(0, got)) peak = Math.Max(peak, Math.Abs(x));
        return peak;
    }

    private static ClipFeatures Failed(InvalidInputException error) => new(null, error, 0, false);
}
