using FreesoundTagging.Audio;
using FreesoundTagging.Features;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.Features;

/// <summary>
/// A clip costs the rows kept (inputs' --max-frames), not its length. The kept rows are the bits of the
/// whole clip's first rows; with the clip-peak reference the rest is still read, for the peak alone.
/// </summary>
public class KeptFramesTests
{
    private const int Kept = 100;

    [Theory]
    [InlineData(LogReference.Absolute)]
    [InlineData(LogReference.ClipPeak)]
    public void TheKeptRowsAreTheWholeClipsFirstRows(LogReference reference)
    {
        using var dir = new TempDir();
        // 60 s, loudest near the end: the clip-peak reference must see past the kept rows.
        int rate = 44100, frames = 60 * rate;
        var samples = new short[frames];
        for (int i = 0; i < frames; i++) samples[i] = (short)((i > frames - rate ? 30000 : 3000) * Math.Sin(i * 0.05));
        string wav = dir.Write("long.wav", new Tests.Audio.WavBuilder().Fmt(Tests.Audio.WavBuilder.Pcm, 1, rate, 16).Data(Tests.Audio.WavBuilder.Pcm16(samples)).ToArray());
        var config = FeatureConfig.Original with { LogReference = reference };

        var whole = ClipFeatures.Load(new LogMelExtractor(config), wav);
        var kept = ClipFeatures.Load(new LogMelExtractor(config), wav, Kept, CancellationToken.None);

        Assert.Null(kept.Error);
        Assert.Equal(Kept, kept.Mel!.Frames);
        Assert.Equal(whole.Mel!.Values.AsSpan(0, Kept * config.MelCount).ToArray(), kept.Mel.Values);
        Assert.Equal(whole.Mel.Frames, kept.ClipFrames);
        if (reference == LogReference.Absolute) Assert.True(kept.Seconds < 2, $"read {kept.Seconds} s for {Kept} frames");
        else Assert.Equal(whole.Seconds, kept.Seconds);
    }

    [Fact]
    public void ASourceThatClaimsForeverIsReadOnlyAsFarAsTheKeptRows()
    {
        var extractor = new LogMelExtractor(FeatureConfig.Original);
        using var source = new RaggedSource(_ => 0.1f, long.MaxValue / 2, FeatureConfig.Original.SampleRate, 4096);

        var streamed = extractor.Extract(source, Kept, CancellationToken.None);

        Assert.Equal(Kept, streamed.Mel.Frames);
        Assert.False(streamed.Complete);
        Assert.InRange(source.Position, Kept * FeatureConfig.Original.HopLength, (Kept + 8) * FeatureConfig.Original.HopLength + 16 * 1024);
    }

    [Fact]
    public void CancellingStopsAClipInsideItsFrames()
    {
        var extractor = new LogMelExtractor(FeatureConfig.Original);
        using var source = new Endless(FeatureConfig.Original.SampleRate);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(200));

        var run = Task.Run(() => extractor.Extract(source, int.MaxValue, cancel.Token));

        Assert.True(((IAsyncResult)run).AsyncWaitHandle.WaitOne(TimeSpan.FromSeconds(10)), "not stopped");
        Assert.IsAssignableFrom<OperationCanceledException>(run.Exception?.InnerException);
    }

    /// <summary>Samples for ever, with no length claimed (ffmpeg's pipe says none either).</summary>
    private sealed class Endless(int sampleRate) : IMonoSampleSource
    {
        public int SampleRate => sampleRate;

        public long LengthHint => 0;

        public long Position { get; private set; }

        public bool Truncated => false;

        public int Read(Span<float> destination)
        {
            destination.Fill(0.1f);
            Position += destination.Length;
            return destination.Length;
        }

        public void Dispose()
        {
        }
    }
}
