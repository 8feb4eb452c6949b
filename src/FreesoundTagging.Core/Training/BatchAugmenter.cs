using FreesoundTagging.Recipes;
using FreesoundTagging.Features;

namespace FreesoundTagging.Training;

/// <summary>The training-time changes to a batch: label-trust weights, band shifts, recording degradations, mixup and
/// SpecAugment masks, applied in that order.</summary>
/// <param name="MixupAlpha">0 = no mixup.</param>
/// <param name="UnverifiedWeight">Loss weight of rows with unverified labels.</param>
/// <param name="LabelSmoothing">ε of label smoothing, applied to the (mixed) targets; 0 = off.</param>
/// <param name="BandShift">Each example is moved up or down the mel axis by a whole number of bands drawn uniformly
/// from [−BandShift, BandShift]; 0 = off.</param>
/// <param name="Degradations">What recordings do, simulated on the mel power (<see cref="RecordingDegrader"/>).</param>
public sealed record Augmentation(double MixupAlpha, SpecAugmentOptions SpecAugment, double UnverifiedWeight, double LabelSmoothing = 0, int BandShift = 0,
    RecordingDegradations? Degradations = null)
{
    public static Augmentation None { get; } = new(0, SpecAugmentOptions.None, 1);

    public static Augmentation Of(TrainingOptions options) =>
        new(options.MixupAlpha, options.SpecAugment, options.UnverifiedWeight, options.LabelSmoothing, options.BandShift, options.Degradations);
}

/// <summary>
/// Applies an <see cref="Augmentation"/> in place to a batch laid out as (count, frames, bands) samples, (count,
/// classes) targets and count weights, drawing everything from one <see cref="Random"/> so a batch is a pure
/// function of its seed.
/// </summary>
public static class BatchAugmenter
{
    /// <param name="degrader">The augmentation's <see cref="Augmentation.Degradations"/> for these features (it needs their
    /// filter bank); null when it has none.</param>
    /// <param name="teacherTargets">A teacher's (count, classes) targets, blended by mixup exactly as the labels are
    /// (label smoothing is the labels' alone); empty without a teacher. The draws are the same either way.</param>
    public static void Apply(Augmentation augmentation, Random random, int count, int frames, int bands, int classes,
        Span<float> samples, Span<float> targets, Span<float> weights, RecordingDegrader? degrader = null, Span<float> teacherTargets = default)
    {
        if (augmentation.BandShift > 0)
        {
            int size = frames * bands;
            for (int i = 0; i < count; i++)
                BandShifter.Shift(samples.Slice(i * size, size), frames, bands, random.Next(-augmentation.BandShift, augmentation.BandShift + 1));
        }
        degrader?.Apply(random, count, frames, samples);
        if (augmentation.MixupAlpha > 0 && count > 1) Mixup(augmentation.MixupAlpha, random, count, frames * bands, classes, samples, targets, weights, teacherTargets);
        if (augmentation.SpecAugment.Enabled)
        {
            int size = frames * bands;
            for (int i = 0; i < count; i++) Mask(augmentation.SpecAugment, random, frames, bands, samples.Slice(i * size, size));
        }
        if (augmentation.LabelSmoothing > 0) Smooth((float)augmentation.LabelSmoothing, classes, targets[..(count * classes)]);
    }

    /// <summary>y → (1 − ε)·y + ε/C per row: a row that summed to 1 still does, and no class is certain.</summary>
    private static void Smooth(float epsilon, int classes, Span<float> targets)
    {
        float keep = 1 - epsilon, share = epsilon / classes;
        for (int k = 0; k < targets.Length; k++) targets[k] = keep * targets[k] + share;
    }

    /// <summary>
    /// Each example i becomes λ·i + (1 − λ)·partner for a random partner in the batch, λ ~ Beta(α, α) folded to
    /// λ ≥ 0.5 so that every example stays mostly itself (as in Zhang et al.'s mixup applied within a batch);
    /// targets and weights are blended by the same λ.
    /// </summary>
    private static void Mixup(double alpha, Random random, int count, int size, int classes, Span<float> samples, Span<float> targets, Span<float> weights,
        Span<float> teacherTargets)
    {
        int[] partner = Enumerable.Range(0, count).ToArray();
        random.Shuffle(partner);
        float[] x = samples[..(count * size)].ToArray(), y = targets[..(count * classes)].ToArray(), w = weights[..count].ToArray();
        float[] teacher = teacherTargets.IsEmpty ? [] : teacherTargets[..(count * classes)].ToArray();
        for (int i = 0; i < count; i++)
        {
            double beta = Beta(alpha, random);
            float lambda = (float)Math.Max(beta, 1 - beta), rest = 1 - lambda;
            int j = partner[i];
            Blend(x.AsSpan(i * size, size), x.AsSpan(j * size, size), lambda, rest, samples.Slice(i * size, size));
            Blend(y.AsSpan(i * classes, classes), y.AsSpan(j * classes, classes), lambda, rest, targets.Slice(i * classes, classes));
            if (teacher.Length > 0)
                Blend(teacher.AsSpan(i * classes, classes), teacher.AsSpan(j * classes, classes), lambda, rest, teacherTargets.Slice(i * classes, classes));
            weights[i] = lambda * w[i] + rest * w[j];
        }
    }

    private static void Blend(ReadOnlySpan<float> a, ReadOnlySpan<float> b, float lambda, float rest, Span<float> destination)
    {
        for (int k = 0; k < destination.Length; k++) destination[k] = lambda * a[k] + rest * b[k];
    }

    /// <summary>Sets time and frequency bands of one (frames, bands) example to its mean: a neutral value for
    /// log-mel, where 0 would be a loud band.</summary>
    private static void Mask(SpecAugmentOptions o, Random random, int frames, int bands, Span<float> example)
    {
        double sum = 0;
        foreach (float v in example) sum += v;
        float mean = (float)(sum / example.Length);
        for (int m = 0; m < o.TimeMasks; m++)
        {
            int width = random.Next(Math.Min(o.TimeMaskFrames, frames) + 1);
            int start = random.Next(frames - width + 1);
            example.Slice(start * bands, width * bands).Fill(mean);
        }
        for (int m = 0; m < o.FrequencyMasks; m++)
        {
            int width = random.Next(Math.Min(o.FrequencyMaskBands, bands) + 1);
            int start = random.Next(bands - width + 1);
            for (int t = 0; t < frames; t++) example.Slice(t * bands + start, width).Fill(mean);
        }
    }

    /// <summary>A Beta(α, α) draw from two Gamma(α) draws.</summary>
    internal static double Beta(double alpha, Random random)
    {
        double a = Gamma(alpha, random), b = Gamma(alpha, random);
        return a + b > 0 ? a / (a + b) : 0.5;
    }

    /// <summary>Marsaglia and Tsang's Gamma(shape, 1) sampler, boosted for shape &lt; 1.</summary>
    internal static double Gamma(double shape, Random random)
    {
        if (shape < 1) return Gamma(shape + 1, random) * Math.Pow(1 - random.NextDouble(), 1 / shape);
        double d = shape - 1.0 / 3, c = 1 / Math.Sqrt(9 * d);
        while (true)
        {
            double x, v;
            do
            {
                x = Normal(random);
                v = 1 + c * x;
            } while (v <= 0);
            v = v * v * v;
            double u = 1 - random.NextDouble();
            if (Math.Log(u) < 0.5 * x * x + d - d * v + d * Math.Log(v)) return d * v;
        }
    }

    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());
}
