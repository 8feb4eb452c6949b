using FreesoundTagging.Audio;
using FreesoundTagging.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace FreesoundTagging.Tests.Audio;

public class AudioLoaderTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(Golden.Wavs), MemberType = typeof(Golden))]
    public void ReadsMonoAt44100LikeTheOriginalInputsPy(string name, int sampleRate, int channels, int frames)
    {
        string path = Golden.PathOf($"wav/{name}.wav");
        using var source = AudioLoader.OpenMono(path, 44100);
        float[] samples = source.ReadToEnd();
        float[] expected = Golden.LoadFloats($"original/{name}.y44100.npy");

        using (var native = AudioDecoder.OpenMono(path)) Assert.Equal(sampleRate, native.SampleRate);
        Assert.False(source.Truncated);
        Assert.Equal(expected.Length, samples.Length);
        double error = Golden.MaxAbsDifference(samples, expected);
        output.WriteLine($"{name} ({channels} ch, {frames} frames at {sampleRate} Hz): max |OpenMono - librosa 0.6| = {error:G3}");
        Assert.True(sampleRate == 44100 ? error == 0 : error < 1e-5, $"max abs error {error}");
    }

    [Fact]
    public void AveragesChannelsBeforeResamplingAndReportsTruncation()
    {
        byte[] wav = new WavBuilder().Fmt(WavBuilder.Pcm, 2, 22050, 16)
            .Data(WavBuilder.Pcm16(Enumerable.Range(0, 200).Select(i => (short)(i % 2 == 0 ? 1000 : 3000)).ToArray()), declaredSize: 1000)
            .ToArray();
        string path = Path.Combine(Path.GetTempPath(), $"audioloader-{Guid.NewGuid():N}.wav");
        File.WriteAllBytes(path, wav);
        try
        {
            using var source = AudioLoader.OpenMono(path, 44100);
            float[] samples = source.ReadToEnd();
            Assert.True(source.Truncated);
            Assert.Equal(200, samples.Length);
            float[] expected = WholeClipResampler.Resample(Enumerable.Repeat(2000f / 32768, 100).ToArray(), 22050, 44100);
            Assert.Equal(expected, samples);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void MalformedFileIsInvalidAudio()
    {
        string path = Path.Combine(Path.GetTempPath(), $"audioloader-{Guid.NewGuid():N}.wav");
        File.WriteAllText(path, "not audio");
        try
        {
            var e = Assert.Throws<InvalidAudioException>(() => AudioLoader.OpenMono(path, 44100));
            Assert.Equal(path, e.Path);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(10)]
    [InlineData(200_000)]
    [InlineData(long.MaxValue)]
    public void ReadToEndGivesEverySampleWhateverTheLengthHint(long hint)
    {
        // 150,001 samples in reads of up to 7,000: past the first block and its doublings, with the hint a file's header
        // could give (none, too short, too long, absurd).
        float[] clip = Enumerable.Range(0, 150_001).Select(i => MathF.Sin(i * 0.01f)).ToArray();
        using var source = new HintedSource(new RaggedSource(clip, 44100, 7_000), hint);

        Assert.Equal(clip, source.ReadToEnd());
        Assert.Empty(source.ReadToEnd());
    }
}
