using FreesoundTagging.Features;
using FreesoundTagging.Recipes;

namespace FreesoundTagging.Training;

/// <summary>
/// Applies <see cref="RecordingDegradations"/> to a batch of log-mel crops. Each degradation is exact or close in the
/// mel power domain, where sounds that do not correlate add: the features are turned back into power
/// (exp(x) − offset, in units of the clip's peak for clip-peak features), degraded, and logged again. Clip-peak
/// features are then rescaled so the crop's loudest cell keeps its level, as re-extracting the degraded clip would
/// (its peak grows with the noise). The shapes that depend on the front end (how white noise or a DC offset falls
/// into the mel bands) come from the features' own filter bank, so they hold for any <see cref="FeatureConfig"/>.
/// </summary>
public sealed class RecordingDegrader
{
    // Ranges of what recordings do (docs/training.md, "Training on degraded crops"), not tuned on corpus-dev.
    private const double BackgroundSnrMaxDb = 20, NoiseSnrMaxDb = 25, EqMaxDb = 6;
    private const double Rt60MinSeconds = 0.2, Rt60MaxSeconds = 2, DirectToReverbMinDb = -5, DirectToReverbMaxDb = 10;
    private const double LowPassMinHz = 2500, LowPassMaxHz = 12000, DcMinDb = -20, DcMaxDb = 10;

    /// <summary>A frame quieter than this share of the crop's loudest frame is silence, not signal (−50 dB), as the
    /// robustness benchmark measures SNR (tests/Benchmarks/degrade.py).</summary>
    private const double SilentFrame = 1e-5;

    private readonly FeatureConfig _features;
    private readonly RecordingDegradations _degradations;
    private readonly MelFilterBank _bank;
    private readonly double[] _binHz;
    private readonly double[] _bandHz;
    private readonly double[] _weightSums;
    private readonly double[] _binsPerBand;
    private readonly double[] _dcShape;

    public RecordingDegrader(FeatureConfig features, RecordingDegradations degradations)
    {
        _features = features;
        _degradations = degradations;
        _bank = MelFilterBank.Create(features);
        _binHz = Enumerable.Range(0, _bank.BinCount).Select(k => k * (double)features.SampleRate / features.FftSize).ToArray();
        int bands = _bank.MelCount;
        _weightSums = ThroughBands(_ => 1);
        var centres = ThroughBands(k => _binHz[k]);
        _bandHz = Enumerable.Range(0, bands).Select(b => _weightSums[b] > 0 ? centres[b] / _weightSums[b] : 0).ToArray();
        // The bins a band averages, (Σw)²/Σw²: its noise fluctuates as the mean of that many exponential variables.
        _binsPerBand = new double[bands];
        for (int b = 0; b < bands; b++)
        {
            double squares = _bank.Filters[b].Weights.Sum(w => w * w);
            _binsPerBand[b] = squares > 0 ? Math.Max(1, _weightSums[b] * _weightSums[b] / squares) : 1;
        }
        // A DC offset c through the periodic Hann window leaves |c·N/2|² in bin 0 and |c·N/4|² in bin 1, nothing
        // above. Where the lowest band starts above bin 1 no band sees it: the offset then costs nothing.
        _dcShape = ThroughBands(k => k == 0 ? 1 : k == 1 ? 0.25 : 0);
        double dcPeak = _dcShape.Max();
        if (dcPeak > 0) for (int b = 0; b < bands; b++) _dcShape[b] /= dcPeak;
    }

    /// <summary>Σₖ wₖ·perBin(k) over each band's filter weights: what a spectrum of perBin(k) per FFT bin k puts into
    /// each mel band.</summary>
    private double[] ThroughBands(Func<int, double> perBin)
    {
        var result = new double[_bank.MelCount];
        for (int b = 0; b < result.Length; b++)
        {
            var f = _bank.Filters[b];
            for (int k = 0; k < f.Weights.Length; k++) result[b] += f.Weights[k] * perBin(f.FirstBin + k);
        }
        return result;
    }

    /// <summary>Degrades each of the batch's <paramref name="count"/> (frames, bands) examples in place, drawing from
    /// <paramref name="random"/> in a fixed order, so the batch is a function of its seed. An example drawn no
    /// degradation keeps its bits.</summary>
    public void Apply(Random random, int count, int frames, Span<float> samples)
    {
        var o = _degradations;
        int bands = _bank.MelCount, size = frames * bands;
        if (!o.Enabled || count == 0) return;
        float offset = (float)_features.LogOffset;
        // Background sounds are the other examples as they arrived, before their own degradation.
        float[]? clean = o.Background > 0 && count > 1 ? samples[..(count * size)].ToArray() : null;
        var power = new float[size];
        var other = clean is null ? null : new float[size];
        for (int i = 0; i < count; i++)
        {
            bool background = clean is not null && random.NextDouble() < o.Background;
            bool reverb = random.NextDouble() < o.Reverb;
            bool filter = random.NextDouble() < o.RandomFilter;
            bool noise = random.NextDouble() < o.Noise;
            bool dc = random.NextDouble() < o.DcOffset;
            if (!(background || reverb || filter || noise || dc)) continue;
            var example = samples.Slice(i * size, size);
            ToPower(example, offset, power);
            float peak = Max(power);
            // A silent crop has no level to set a degradation against: it stays silent.
            if (!(peak > 0)) continue;
            double signal = SignalPower(power, frames, bands);
            if (background) MixBackground(random, clean!, other!, i, count, size, offset, frames, bands, signal, power);
            if (reverb) Reverberate(random, frames, bands, power);
            if (filter) Filter(random, frames, bands, power);
            if (noise) AddNoise(random, frames, bands, SignalPower(power, frames, bands), power);
            if (dc) AddDcOffset(random, frames, bands, Max(power), power);
            // Clip-peak features: the degraded clip is measured against its own new peak.
            float scale = _features.LogReference == LogReference.ClipPeak ? peak / Max(power) : 1;
            for (int k = 0; k < size; k++) example[k] = MathF.Log(power[k] * scale + offset);
        }
    }

    private static void ToPower(ReadOnlySpan<float> example, float offset, Span<float> power)
    {
        for (int k = 0; k < example.Length; k++) power[k] = Math.Max(MathF.Exp(example[k]) - offset, 0f);
    }

    private static float Max(ReadOnlySpan<float> values)
    {
        float max = 0;
        foreach (float v in values) if (v > max) max = v;
        return max;
    }

    /// <summary>Mean power per frame over the frames louder than −50 dB of the loudest: the level an SNR is against.</summary>
    private static double SignalPower(ReadOnlySpan<float> power, int frames, int bands)
    {
        var framePower = new double[frames];
        for (int t = 0; t < frames; t++)
        {
            double sum = 0;
            foreach (float v in power.Slice(t * bands, bands)) sum += v;
            framePower[t] = sum;
        }
        double loudest = framePower.Max(), total = 0;
        int counted = 0;
        foreach (double p in framePower) if (p > loudest * SilentFrame) { total += p; counted++; }
        return counted > 0 ? total / counted : 0;
    }

    private static double Uniform(Random random, double low, double high) => low + (high - low) * random.NextDouble();

    private static double LogUniform(Random random, double low, double high) => Math.Exp(Uniform(random, Math.Log(low), Math.Log(high)));

    /// <summary>1-3 other examples of the batch summed and added 0-20 dB below this one's signal power.</summary>
    private static void MixBackground(Random random, float[] clean, float[] other, int self, int count, int size, float offset,
        int frames, int bands, double signal, Span<float> power)
    {
        int sounds = 1 + random.Next(3);
        double snrDb = Uniform(random, 0, BackgroundSnrMaxDb);
        var sum = new float[size];
        for (int s = 0; s < sounds; s++)
        {
            int j = random.Next(count - 1);
            if (j >= self) j++;
            ToPower(clean.AsSpan(j * size, size), offset, other);
            double level = SignalPower(other, frames, bands);
            if (!(level > 0)) continue;
            // Each sound at the same level, so their sum is the drawn SNR below the signal.
            float gain = (float)(signal / level / sounds);
            for (int k = 0; k < size; k++) sum[k] += gain * other[k];
        }
        float scale = (float)Math.Pow(10, -snrDb / 10);
        for (int k = 0; k < size; k++) power[k] += scale * sum[k];
    }

    /// <summary>A room's late reverberation on power envelopes: each band gets the tail Σₖ aᵏ·p[t − k] (k ≥ 1) of
    /// its own past, a = 10^(−6·hop/RT60) so the tail falls 60 dB in RT60, weighted so the tail's energy is the drawn
    /// direct-to-reverberant ratio below the direct sound's. RT60 falls towards high bands, as air absorbs them.</summary>
    private void Reverberate(Random random, int frames, int bands, Span<float> power)
    {
        double rt60 = LogUniform(random, Rt60MinSeconds, Rt60MaxSeconds);
        double drrDb = Uniform(random, DirectToReverbMinDb, DirectToReverbMaxDb);
        double hopSeconds = _features.HopLength / (double)_features.SampleRate, nyquist = _features.SampleRate / 2.0;
        for (int b = 0; b < bands; b++)
        {
            double bandRt60 = rt60 * (1 - 0.5 * _bandHz[b] / nyquist);
            double a = Math.Pow(10, -6 * hopSeconds / bandRt60);
            // An impulse's tail holds a/(1 − a) of its energy; scaled to 10^(−DRR/10).
            float wet = (float)((1 - a) / a * Math.Pow(10, -drrDb / 10)), decay = (float)a;
            float tail = 0, previous = 0;
            for (int t = 0; t < frames; t++)
            {
                tail = decay * (tail + previous);
                previous = power[t * bands + b];
                power[t * bands + b] = previous + wet * tail;
            }
        }
    }

    /// <summary>A smooth EQ (three cosines across the bands, within ±6 dB) and, for half the examples, a steep
    /// low-pass (24th-order Butterworth magnitude) at 2.5-12 kHz, as a codec or a 16-22 kHz file leaves. Each band
    /// takes its filter's mean gain over its FFT bins.</summary>
    private void Filter(Random random, int frames, int bands, Span<float> power)
    {
        double[] cosine = [Uniform(random, -1, 1), Uniform(random, -1, 1) / 2, Uniform(random, -1, 1) / 3];
        double? cutoff = random.NextDouble() < 0.5 ? LogUniform(random, LowPassMinHz, LowPassMaxHz) : null;
        double[]? passed = cutoff is { } fc ? ThroughBands(k => 1 / (1 + Math.Pow(_binHz[k] / fc, 48))) : null;
        var gain = new float[bands];
        for (int b = 0; b < bands; b++)
        {
            double position = bands > 1 ? b / (bands - 1.0) : 0, db = 0;
            for (int j = 0; j < cosine.Length; j++) db += cosine[j] * Math.Cos((j + 1) * Math.PI * position);
            double g = Math.Pow(10, EqMaxDb * db / (1 + 1 / 2.0 + 1 / 3.0) / 10);
            if (passed is not null && _weightSums[b] > 0) g *= passed[b] / _weightSums[b];
            gain[b] = (float)g;
        }
        for (int t = 0; t < frames; t++)
        {
            var frame = power.Slice(t * bands, bands);
            for (int b = 0; b < bands; b++) frame[b] *= gain[b];
        }
    }

    /// <summary>Stationary noise with power ∝ f^−β (β 0 white, 1 pink, 2 brown) through the mel filters, at 0-25 dB
    /// SNR against the signal's power, each cell fluctuating as the mean of its band's bins' exponential powers.</summary>
    private void AddNoise(Random random, int frames, int bands, double signal, Span<float> power)
    {
        double beta = Uniform(random, 0, 2), snrDb = Uniform(random, 0, NoiseSnrMaxDb);
        // Bin 0 (DC) takes bin 1's level rather than f^−β's infinity.
        var shape = ThroughBands(k => Math.Pow(_binHz[Math.Max(k, 1)], -beta));
        double total = shape.Sum();
        if (!(total > 0)) return;
        double level = signal / Math.Pow(10, snrDb / 10) / total;
        for (int t = 0; t < frames; t++)
            for (int b = 0; b < bands; b++)
            {
                double bins = _binsPerBand[b];
                power[t * bands + b] += (float)(level * shape[b] * BatchAugmenter.Gamma(bins, random) / bins);
            }
    }

    /// <summary>A DC offset's power in the lowest bands (constant in time), −20 to +10 dB against the crop's loudest cell.</summary>
    private void AddDcOffset(Random random, int frames, int bands, float peak, Span<float> power)
    {
        double level = peak * Math.Pow(10, Uniform(random, DcMinDb, DcMaxDb) / 10);
        for (int b = 0; b < bands; b++)
        {
            if (_dcShape[b] == 0) continue;
            float add = (float)(level * _dcShape[b]);
            for (int t = 0; t < frames; t++) power[t * bands + b] += add;
        }
    }
}
