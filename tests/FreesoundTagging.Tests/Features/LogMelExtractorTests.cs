using FreesoundTagging.Audio;
using FreesoundTagging.Features;
using FreesoundTagging.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace FreesoundTagging.Tests.Features;

public class LogMelExtractorTests(ITestOutputHelper output)
{
    /// <summary>librosa's float32 path rounds its STFT to complex64; ours stays in float64 until the log.</summary>
    private const double GoldenTolerance = 1e-5;

    public static IEnumerable<object[]> Cases() => Golden.OriginalCases.Select(c => new object[] { c });

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheOriginalRecipe(string clip)
    {
        var (_, y) = Golden.LoadSingle($"original/{clip}.y44100.npy");
        var (shape, expected) = Golden.LoadSingle($"original/{clip}.logmel.npy");

        LogMel actual = new LogMelExtractor(FeatureConfig.Original).Extract(y);

        Assert.Equal(shape[0], actual.Frames);
        Assert.Equal(shape[1], actual.MelCount);
        Assert.Equal(1 + y.Length / 441, actual.Frames);
        double worst = Golden.MaxAbsDifference(expected, actual.Values);
        output.WriteLine($"{clip}: {actual.Frames} frames, worst |log-mel - librosa| = {worst:E3}");
        Assert.True(worst <= GoldenTolerance, $"worst log-mel error {worst}");
    }

    public static TheoryData<string, string> LibrosaSets()
    {
        var data = new TheoryData<string, string>();
        foreach (string clip in Golden.OriginalCases)
        {
            data.Add(clip, "librosa_default");
            if (clip != "mix_22k_pcm16")
            {
                data.Add(clip, "kaggle_nfft2048");
                data.Add(clip, "kaggle_nfft2048_reflect");
            }
        }
        return data;
    }

    /// <summary>Other rates, mel counts, hops, band edges and both paddings, against librosa's float64 mel.</summary>
    [Theory]
    [MemberData(nameof(LibrosaSets))]
    public void MatchesLibrosaForOtherSettings(string clip, string set)
    {
        var (_, y) = Golden.LoadSingle($"{clip}.y.npy");
        var (shape, mel64) = Golden.LoadDouble($"librosa/{clip}.{set}.mel64.npy");
        int rate = clip.Contains("22k") ? 22050 : 44100;
        var config = set switch
        {
            "librosa_default" => new FeatureConfig { SampleRate = rate, HopLength = 512, MelCount = 128, FMinHz = 0, FMaxHz = rate / 2.0, PadMode = StftPadMode.Constant },
            "kaggle_nfft2048" => new FeatureConfig { FMinHz = 0, FMaxHz = 22050, PadMode = StftPadMode.Constant },
            _ => new FeatureConfig { FMinHz = 0, FMaxHz = 22050, PadMode = StftPadMode.Reflect },
        };

        LogMel actual = new LogMelExtractor(config).Extract(y);

        int mels = shape[0], frames = shape[1];
        Assert.Equal(frames, actual.Frames);
        Assert.Equal(mels, actual.MelCount);
        double worst = 0;
        for (int t = 0; t < frames; t++)
            for (int m = 0; m < mels; m++)
                worst = Math.Max(worst, Math.Abs(Math.Log(mel64[m * frames + t] + config.LogOffset) - actual.Values[t * mels + m]));
        output.WriteLine($"{clip} {set}: worst |log-mel - ln(librosa mel64 + offset)| = {worst:E3}");
        Assert.True(worst <= GoldenTolerance, $"worst log-mel error {worst}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(440)]
    [InlineData(1023)]
    public void ClipsShorterThanHalfAWindowStillGetFrames(int samples)
    {
        var y = Enumerable.Range(0, samples).Select(i => MathF.Sin(i * 0.1f)).ToArray();
        LogMel m = new LogMelExtractor(FeatureConfig.Original).Extract(y);
        Assert.Equal(1 + samples / 441, m.Frames);
        Assert.All(m.Values, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void SilenceIsTheLogOfTheOffset()
    {
        LogMel m = new LogMelExtractor(FeatureConfig.Original).Extract(new float[44100]);
        Assert.All(m.Values, v => Assert.Equal(Math.Log(0.001), v, 5));
    }

    /// <summary>
    /// Guaranteed bit-equal: each clip is computed by one thread with scalar arithmetic in a fixed order, and
    /// workers never share an extractor.
    /// </summary>
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    public void ParallelExtractionGivesTheSerialBits(int threads)
    {
        var clips = Enumerable.Range(0, 16).Select(k => Enumerable.Range(0, 4410 + k * 3001).Select(i => MathF.Sin(i * (0.01f + k * 0.003f)) * (1 + i % 7)).ToArray()).ToArray();
        var serialExtractor = new LogMelExtractor(FeatureConfig.Original);
        var serial = clips.Select(c => serialExtractor.Extract(c).Values).ToArray();
        using var extractors = LogMelExtractor.PerThread(FeatureConfig.Original);
        Parallel.For(0, 64, new ParallelOptions { MaxDegreeOfParallelism = threads }, i =>
            Assert.Equal(serial[i % clips.Length], extractors.Value!.Extract(clips[i % clips.Length]).Values));
    }

    [Fact]
    public void PerThreadGivesEachThreadItsOwnExtractor()
    {
        using var extractors = LogMelExtractor.PerThread(FeatureConfig.Original);
        var seen = new System.Collections.Concurrent.ConcurrentBag<LogMelExtractor>();
        var threads = Enumerable.Range(0, 4).Select(_ => new Thread(() => seen.Add(extractors.Value!))).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        Assert.Equal(4, seen.Distinct().Count());
    }

    [Fact]
    public void KeptRowsAreTheWholeClipsFirstRowsAndTheClipsFramesAreCounted()
    {
        var y = Golden.LoadFloats("original/noise_44k_pcm16.y44100.npy");
        var extractor = new LogMelExtractor(FeatureConfig.Original);
        LogMel whole = new WholeClipLogMel(FeatureConfig.Original).Extract(y);

        var kept = extractor.Extract(new RaggedSource(y, 44100, 5_000), 40, CancellationToken.None);

        Assert.Equal(40, kept.Mel.Frames);
        Assert.Equal(whole.Frames, kept.ClipFrames);
        Assert.False(kept.Complete);
        Assert.Equal(whole.Values.AsSpan(0, 40 * 64).ToArray(), kept.Mel.Values);
    }

    [Fact]
    public void AnExtractorReusedAfterALongClipGivesAFreshOnesResult()
    {
        var longClip = Enumerable.Range(0, 200_000).Select(i => MathF.Sin(i * 0.37f)).ToArray();
        var shortClip = Golden.LoadFloats("original/click_0.3s_44k_pcm16.y44100.npy");
        var reused = new LogMelExtractor(FeatureConfig.Original with { PadMode = StftPadMode.Constant });
        reused.Extract(longClip);
        Assert.Equal(new LogMelExtractor(reused.Config).Extract(shortClip).Values, reused.Extract(shortClip).Values);
    }

    [Fact]
    public void EmptyClipIsRejected()
    {
        Assert.Throws<InvalidAudioException>(() => new LogMelExtractor(FeatureConfig.Original).Extract(Array.Empty<float>()));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(500_000)]
    [InlineData(1_900_003)]
    [InlineData(3_000_000)]
    public void AStreamedClipsLogMelDoesNotDependOnTheLengthHint(long hint)
    {
        // 1,900,003 samples: 4,309 frames, past one 4,096-frame chunk when the hint is short (ffmpeg's pipe gives 0),
        // exact, or too long (a cut-short file's).
        var clip = Enumerable.Range(0, 1_900_003).Select(i => 0.5f * MathF.Sin(i * 0.0123f) + 0.01f * MathF.Sin(i * i % 977)).ToArray();
        var extractor = new LogMelExtractor(FeatureConfig.Original);
        var whole = new WholeClipLogMel(FeatureConfig.Original).Extract(clip);

        using var source = new HintedSource(new RaggedSource(clip, 44100, 20_000), hint);
        var streamed = extractor.Extract(source);

        Assert.Equal(whole.Frames, streamed.Frames);
        Assert.Equal(whole.Values, streamed.Values);
    }

    private static readonly FeatureConfig ClipPeak = FeatureConfig.Original with { LogReference = LogReference.ClipPeak, LogOffset = 1e-6 };

    /// <summary>ln(mel / max(mel) + offset) from librosa's float64 mel, within the same tolerance as the absolute log.</summary>
    [Theory]
    [InlineData("chirp_44k_pcm16")]
    [InlineData("noise_44k_pcm16")]
    public void ClipPeakMatchesLibrosasMelOverItsMaximum(string clip)
    {
        var (_, y) = Golden.LoadSingle($"{clip}.y.npy");
        var (shape, mel64) = Golden.LoadDouble($"librosa/{clip}.kaggle_nfft2048_reflect.mel64.npy");
        var config = ClipPeak with { FMinHz = 0, FMaxHz = 22050 };

        LogMel actual = new LogMelExtractor(config).Extract(y);

        int mels = shape[0], frames = shape[1];
        Assert.Equal(frames, actual.Frames);
        double peak = mel64.Max(), worst = 0;
        for (int t = 0; t < frames; t++)
            for (int m = 0; m < mels; m++)
                worst = Math.Max(worst, Math.Abs(Math.Log(mel64[m * frames + t] / peak + config.LogOffset) - actual.Values[t * mels + m]));
        output.WriteLine($"{clip}: worst |log-mel - ln(librosa mel64 / max + offset)| = {worst:E3}");
        Assert.True(worst <= GoldenTolerance, $"worst log-mel error {worst}");
    }

    /// <summary>
    /// Guaranteed bit-equal: scaling float samples by a power of two is exact, and so is every product and sum after
    /// it up to the mel power (float64 throughout, far from underflow), so power / peak is the same quotient.
    /// </summary>
    [Theory]
    [InlineData(0.25f)]
    [InlineData(1f / 1024)]
    [InlineData(8f)]
    public void ClipPeakGivesTheSameBitsWhateverPowerOfTwoGain(float gain)
    {
        var y = Golden.LoadFloats("original/noise_44k_pcm16.y44100.npy");
        var extractor = new LogMelExtractor(ClipPeak);

        Assert.Equal(extractor.Extract(y).Values, extractor.Extract(y.Select(v => v * gain).ToArray()).Values);
    }

    [Fact]
    public void ClipPeakFollowsAnyGainWithinRounding()
    {
        var y = Golden.LoadFloats("original/chirp_44k_pcm16.y44100.npy");
        var extractor = new LogMelExtractor(ClipPeak);
        float[] reference = extractor.Extract(y).Values, quieter = extractor.Extract(y.Select(v => v * 0.0317f).ToArray()).Values;

        double worst = reference.Zip(quieter, (a, b) => Math.Abs(a - (double)b)).Max();
        output.WriteLine($"worst difference after a gain of 0.0317 (-30 dB): {worst:E3}");
        Assert.True(worst <= 1e-5, $"worst difference {worst}");
        // The absolute reference moves by ln(0.0317²) ≈ -6.9 where the signal is well above the floor.
        var absolute = new LogMelExtractor(ClipPeak with { LogReference = LogReference.Absolute });
        Assert.True(absolute.Extract(y).Values.Max() - absolute.Extract(y.Select(v => v * 0.0317f).ToArray()).Values.Max() > 6);
    }

    [Fact]
    public void ClipPeakPutsTheLoudestValueAtLnOfOnePlusTheOffsetAndSilenceOnTheFloor()
    {
        var y = Golden.LoadFloats("original/chirp_44k_pcm16.y44100.npy");
        LogMel m = new LogMelExtractor(ClipPeak).Extract(y);
        Assert.Equal((float)Math.Log(1 + ClipPeak.LogOffset), m.Values.Max());
        Assert.True(m.Values.Min() >= (float)Math.Log(ClipPeak.LogOffset));

        LogMel silence = new LogMelExtractor(ClipPeak).Extract(new float[44100]);
        Assert.All(silence.Values, v => Assert.Equal((float)Math.Log(ClipPeak.LogOffset), v));
    }

    /// <summary>Guaranteed bit-equal: both compute the same mel powers, then the same logs over the same peak.</summary>
    [Fact]
    public void ClipPeakStreamedGivesTheWholeClipsBits()
    {
        // Loudest near the end, past one 4,096-frame chunk when the hint is short.
        var clip = Enumerable.Range(0, 1_900_003).Select(i => (0.01f + i / 1_900_003f) * MathF.Sin(i * 0.0123f)).ToArray();
        var extractor = new LogMelExtractor(ClipPeak);
        var whole = new WholeClipLogMel(ClipPeak).Extract(clip);

        using var source = new HintedSource(new RaggedSource(clip, 44100, 20_000), 0);
        Assert.Equal(whole.Values, extractor.Extract(source).Values);
    }

    [Fact]
    public void ClipPeakKeptRowsMeasureAgainstTheWholeClipsPeak()
    {
        // Quiet for the 40 frames kept, loud after them.
        var y = Enumerable.Range(0, 44100).Select(i => (i < 30_000 ? 0.01f : 1f) * MathF.Sin(i * 0.05f)).ToArray();
        var extractor = new LogMelExtractor(ClipPeak);
        LogMel whole = new WholeClipLogMel(ClipPeak).Extract(y);

        var kept = extractor.Extract(new RaggedSource(y, 44100, 5_000), 40, CancellationToken.None);
        float[] row = kept.Mel.Values;

        Assert.Equal(whole.Frames, kept.ClipFrames);
        Assert.True(kept.Complete);
        Assert.Equal(whole.Values.AsSpan(0, row.Length).ToArray(), row);
        Assert.True(row.Max() < -8, $"the first 40 frames are 40 dB below the clip's peak, got {row.Max()}");
    }
}
