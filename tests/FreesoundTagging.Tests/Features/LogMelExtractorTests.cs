using FreesoundTagging.Features;
using FreesoundTagging.Runtime;
using Xunit;
using Xunit.Abstractions;

namespace FreesoundTagging.Tests.Features;

[Collection(TorchCollection.Name)]
public class LogMelExtractorTests
{
    private readonly ITestOutputHelper _output;

    public LogMelExtractorTests(ITestOutputHelper output)
    {
        _output = output;
        TorchRuntime.Initialise();
    }

    public static IEnumerable<object[]> Cases() => Golden.OriginalCases.Select(c => new object[] { c });

    [Theory]
    [MemberData(nameof(Cases))]
    public void MatchesTheOriginalRecipe(string clip)
    {
        var (_, y) = Golden.LoadSingle($"original/{clip}.y44100.npy");
        var (shape, expected) = Golden.LoadSingle($"original/{clip}.logmel.npy");
        using var extractor = new LogMelExtractor(FeatureConfig.Original);

        LogMel actual = extractor.Extract(y);

        Assert.Equal(shape[0], actual.Frames);
        Assert.Equal(shape[1], actual.MelCount);
        Assert.Equal(1 + y.Length / 441, actual.Frames);
        double worst = expected.Zip(actual.Values, (e, a) => Math.Abs((double)e - a)).Max();
        _output.WriteLine($"{clip}: {actual.Frames} frames, worst |log-mel diff| = {worst:E3}");
        Assert.True(worst < 1e-3, $"worst log-mel error {worst}");
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(440)]
    [InlineData(1023)]
    public void ClipsShorterThanHalfAWindowStillGetFrames(int samples)
    {
        using var extractor = new LogMelExtractor(FeatureConfig.Original);
        var y = Enumerable.Range(0, samples).Select(i => MathF.Sin(i * 0.1f)).ToArray();
        LogMel m = extractor.Extract(y);
        Assert.Equal(1 + samples / 441, m.Frames);
        Assert.All(m.Values, v => Assert.True(float.IsFinite(v)));
    }

    [Fact]
    public void SilenceIsTheLogOfTheOffset()
    {
        using var extractor = new LogMelExtractor(FeatureConfig.Original);
        LogMel m = extractor.Extract(new float[44100]);
        Assert.All(m.Values, v => Assert.Equal(Math.Log(0.001), v, 5));
    }

    [Fact]
    public async Task ConcurrentExtractionGivesTheSerialResults()
    {
        // One extractor shared by many threads is how inputs and predict use it; a TorchSharp Scalar race once
        // corrupted values or aborted the process here.
        using var extractor = new LogMelExtractor(FeatureConfig.Original);
        var clips = Enumerable.Range(0, 16).Select(k => Enumerable.Range(0, 4410 + k * 300).Select(i => MathF.Sin(i * (0.01f + k * 0.003f))).ToArray()).ToArray();
        var serial = clips.Select(c => extractor.Extract(c).Values).ToArray();
        int before = TorchSharp.torch.get_num_threads();
        TorchSharp.torch.set_num_threads(1);
        using var stop = new CancellationTokenSource();
        // Collections and finalizers running alongside are what exposed the race in real runs.
        var collector = Task.Run(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                GC.Collect();
                GC.WaitForPendingFinalizers();
            }
        });
        try
        {
            Parallel.For(0, 1500, new ParallelOptions { MaxDegreeOfParallelism = 4 }, i =>
                Assert.Equal(serial[i % clips.Length], extractor.Extract(clips[i % clips.Length]).Values));
        }
        finally
        {
            stop.Cancel();
            await collector;
            TorchSharp.torch.set_num_threads(before);
        }
    }

    [Fact]
    public void EmptyClipIsRejected()
    {
        using var extractor = new LogMelExtractor(FeatureConfig.Original);
        Assert.Throws<InvalidAudioException>(() => extractor.Extract(ReadOnlySpan<float>.Empty));
    }
}
