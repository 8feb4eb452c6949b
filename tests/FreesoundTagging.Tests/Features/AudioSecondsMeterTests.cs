using FreesoundTagging.Features;
using FreesoundTagging.Inference;
using FreesoundTagging.Tests.Support;
using Microsoft.Extensions.Time.Testing;
using Xunit;
using FreesoundTagging.Jobs;

namespace FreesoundTagging.Tests.Features;

/// <summary>Progress counted in audio seconds: totals from WAV headers, estimates for other formats, made exact as
/// clips finish; a long file moves the progress while it decodes.</summary>
[Collection(TorchCollection.Name)]
public class AudioSecondsMeterTests
{
    [Fact]
    public void TheTotalComesFromWavHeadersAndEstimatesThatBecomeExact()
    {
        using var dir = new TempDir();
        string wav = dir.Write("a.wav", TinyCorpus.Tone(440, 2.0));
        string mp3 = dir.File("b.mp3");
        File.Copy(Golden.PathOf("formats/tone.mp3"), mp3);
        string missing = dir.File("gone.wav");
        var meter = new AudioSecondsMeter([wav, mp3, missing], 44100);

        Assert.Equal(2.0 + new FileInfo(mp3).Length / AudioSecondsMeter.CompressedBytesPerSecond, meter.TotalAtStart, 6);
        var extractor = new LogMelExtractor(FeatureConfig.Original);
        for (int i = 0; i < 3; i++)
        {
            ClipFeatures.Load(extractor, new[] { wav, mp3, missing }[i], meter.Counter(i));
            meter.Finished(i);
        }
        // tone.mp3 holds 0.25 s (11,025 frames); the total is now what was decoded.
        Assert.Equal(2.25, meter.DecodedSeconds, 6);
        Assert.Equal(meter.DecodedSeconds, meter.TotalSeconds, 2);
    }

    [Fact]
    public void ALongFileMovesTheProgressWhileItDecodes()
    {
        using var dir = new TempDir();
        string model = TinyModelFile.Write(dir.File("m.fstmodel"));
        string wav = dir.Write("long.wav", TinyCorpus.Tone(440, 150.0));
        var reports = new List<PredictionProgress>();

        // The decode reports its blocks as they come: the counter moves many times inside the one file.
        var meter = new AudioSecondsMeter([wav], 44100);
        Assert.Equal(150.0, meter.TotalAtStart, 6);
        var seen = new List<double>();
        var count = meter.Counter(0);
        ClipFeatures.Load(new LogMelExtractor(FeatureConfig.Original), wav, n => { count(n); seen.Add(meter.DecodedSeconds); });
        Assert.True(seen.Count >= 10, $"{seen.Count} reports");
        Assert.True(seen[0] < 10 && seen[^1] > 149.9);

        // predict's progress: every report is in audio seconds of the file's 150 (from its header), however far
        // it has got (mid-file reports come 0.2 s apart once a second has passed, so how many depends on the CPU).
        TaggingJob.Run(new TaggingRequest([model], [wav]) { Device = "cpu", Threads = 1 }, new Progress(reports.Add));

        Assert.All(reports, p => Assert.InRange(p.TotalSeconds, 149.99, 150.01));
        Assert.All(reports.Where(p => p.Done == 0), p => Assert.InRange(p.DecodedSeconds, 0.001, 149.99));
        Assert.Equal(150.0, reports[^1].DecodedSeconds, 3);
        Assert.Equal(1, reports[^1].Done);
    }

    private sealed class Progress(Action<PredictionProgress> report) : IProgress<PredictionProgress>
    {
        public void Report(PredictionProgress value) => report(value);
    }

    [Fact]
    public void DecodeThreadsReportAfterTheFirstSecondAndThenOneAtATime()
    {
        // The meter's own clock, moved by hand: on a loaded machine the eight calls below can span more than the
        // 0.2 s between reports, so a real clock would make a second one due.
        var time = new FakeTimeProvider();
        var meter = new AudioSecondsMeter([], 44100, time);
        Assert.False(meter.ReportDue());
        time.Advance(TimeSpan.FromSeconds(0.99));
        Assert.False(meter.ReportDue());
        time.Advance(TimeSpan.FromSeconds(0.02));
        var due = Enumerable.Range(0, 8).AsParallel().Select(_ => meter.ReportDue()).ToList();
        Assert.Equal(1, due.Count(d => d));
        Assert.False(meter.ReportDue());
        time.Advance(TimeSpan.FromSeconds(0.19));
        Assert.False(meter.ReportDue());
        time.Advance(TimeSpan.FromSeconds(0.02));
        Assert.True(meter.ReportDue());
        Assert.False(meter.ReportDue());
    }
}
