using FreesoundTagging.Audio;
using Xunit;
using Xunit.Abstractions;

namespace FreesoundTagging.Tests.Audio;

public class AudioLoaderTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(Golden.Wavs), MemberType = typeof(Golden))]
    public void LoadsMonoAt44100LikeTheOriginalInputsPy(string name, int sampleRate, int channels, int frames)
    {
        var loaded = AudioLoader.LoadMono(Golden.PathOf($"wav/{name}.wav"), 44100);
        float[] expected = Golden.LoadFloats($"original/{name}.y44100.npy");

        Assert.Equal(sampleRate, loaded.NativeSampleRate);
        Assert.False(loaded.Truncated);
        Assert.Equal(expected.Length, loaded.Samples.Length);
        double error = Golden.MaxAbsDifference(loaded.Samples, expected);
        output.WriteLine($"{name} ({channels} ch, {frames} frames at {sampleRate} Hz): max |LoadMono - librosa 0.6| = {error:G3}");
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
            var loaded = AudioLoader.LoadMono(path, 44100);
            Assert.True(loaded.Truncated);
            Assert.Equal(22050, loaded.NativeSampleRate);
            Assert.Equal(200, loaded.Samples.Length);
            float[] expected = Resampler.Resample(Enumerable.Repeat(2000f / 32768, 100).ToArray(), 22050, 44100);
            Assert.Equal(expected, loaded.Samples);
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
            var e = Assert.Throws<InvalidAudioException>(() => AudioLoader.LoadMono(path, 44100));
            Assert.Equal(path, e.Path);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
