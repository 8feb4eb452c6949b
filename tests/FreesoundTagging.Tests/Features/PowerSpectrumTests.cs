using FreesoundTagging.Features;
using NWaves.Transforms;
using Xunit;
using Xunit.Abstractions;

namespace FreesoundTagging.Tests.Features;

public class PowerSpectrumTests(ITestOutputHelper output)
{
    [Theory]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(8)]
    [InlineData(16)]
    [InlineData(512)]
    [InlineData(2048)]
    [InlineData(8192)]
    public void MatchesNWavesRealFft64OnRandomFrames(int size)
    {
        var random = new Random(size);
        var ours = new PowerSpectrum(size);
        var nwaves = new RealFft64(size);
        int bins = size / 2 + 1;
        double[] input = new double[size], re = new double[bins], im = new double[bins], nre = new double[bins], nim = new double[bins];
        double worst = 0;
        for (int round = 0; round < 50; round++)
        {
            for (int i = 0; i < size; i++) input[i] = random.NextDouble() * 2 - 1;
            ours.Direct(input, re, im);
            nwaves.Direct((double[])input.Clone(), nre, nim);
            double scale = 0;
            for (int k = 0; k < bins; k++) scale = Math.Max(scale, Math.Sqrt(nre[k] * nre[k] + nim[k] * nim[k]));
            for (int k = 0; k < bins; k++)
                worst = Math.Max(worst, Math.Max(Math.Abs(re[k] - nre[k]), Math.Abs(im[k] - nim[k])) / scale);
        }
        output.WriteLine($"n = {size}: worst |ours - NWaves| / max |X| = {worst:E2}");
        Assert.True(worst <= 1e-9, $"worst relative difference {worst}");
    }

    [Theory]
    [InlineData(2048)]
    [InlineData(256)]
    public void PowerIsDirectsSquaredMagnitude(int size)
    {
        var random = new Random(7);
        var spectrum = new PowerSpectrum(size);
        float[] frame = Enumerable.Range(0, size).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        double[] window = Enumerable.Range(0, size).Select(i => 0.5 - 0.5 * Math.Cos(2 * Math.PI * i / size)).ToArray();
        int bins = size / 2 + 1;
        double[] power = new double[bins], re = new double[bins], im = new double[bins];
        spectrum.Compute(frame, window, power);
        spectrum.Direct(Enumerable.Range(0, size).Select(i => frame[i] * window[i]).ToArray(), re, im);
        for (int k = 0; k < bins; k++) Assert.Equal(re[k] * re[k] + im[k] * im[k], power[k]);
    }

    [Theory]
    [InlineData(64)]
    [InlineData(2048)]
    [InlineData(65536)]
    public void VectorAndScalarPathsGiveTheSameBits(int size)
    {
        var random = new Random(size + 1);
        var vector = new PowerSpectrum(size, useVectors: true);
        var scalar = new PowerSpectrum(size, useVectors: false);
        float[] frame = Enumerable.Range(0, size).Select(_ => (float)(random.NextDouble() * 2 - 1)).ToArray();
        double[] window = Enumerable.Range(0, size).Select(i => 0.5 - 0.5 * Math.Cos(2 * Math.PI * i / size)).ToArray();
        double[] a = new double[size / 2 + 1], b = new double[size / 2 + 1];
        vector.Compute(frame, window, a);
        scalar.Compute(frame, window, b);
        Assert.Equal(b, a);
    }

    /// <summary>The features the extractor gave with NWaves' RealFft64, within 1e-6 (absolute, on ln(mel + 0.001)).</summary>
    [Fact]
    public void LogMelMatchesTheNWavesFftWithinOneMillionth()
    {
        var config = FeatureConfig.Original;
        int n = config.FftSize, bins = n / 2 + 1;
        var random = new Random(11);
        var ours = new PowerSpectrum(n);
        var nwaves = new RealFft64(n);
        var bank = MelFilterBank.Create(config);
        double[] window = Enumerable.Range(0, n).Select(i => 0.5 - 0.5 * Math.Cos(2 * Math.PI * i / n)).ToArray();
        float[] frame = new float[n];
        double[] windowed = new double[n], power = new double[bins], re = new double[bins], im = new double[bins], oldPower = new double[bins];
        double[] mel = new double[config.MelCount], oldMel = new double[config.MelCount];
        double worst = 0;
        for (int round = 0; round < 200; round++)
        {
            // From near silence to full scale, noise plus a tone: the log's whole range.
            double gain = Math.Pow(10, -4 * random.NextDouble()), hz = 50 + 15000 * random.NextDouble();
            for (int i = 0; i < n; i++)
                frame[i] = (float)(gain * (0.5 * Math.Sin(2 * Math.PI * hz * i / config.SampleRate) + 0.5 * (random.NextDouble() * 2 - 1)));
            ours.Compute(frame, window, power);
            for (int i = 0; i < n; i++) windowed[i] = frame[i] * window[i];
            nwaves.Direct(windowed, re, im);
            for (int k = 0; k < bins; k++) oldPower[k] = re[k] * re[k] + im[k] * im[k];
            bank.Apply(power, mel);
            bank.Apply(oldPower, oldMel);
            for (int m = 0; m < mel.Length; m++)
                worst = Math.Max(worst, Math.Abs((float)Math.Log(mel[m] + config.LogOffset) - (float)Math.Log(oldMel[m] + config.LogOffset)));
        }
        output.WriteLine($"worst |log-mel ours - NWaves| = {worst:E2}");
        Assert.True(worst <= 1e-6, $"worst log-mel difference {worst}");
    }
}
