using FreesoundTagging.Features;
using FreesoundTagging.Inference;
using FreesoundTagging.Models;
using FreesoundTagging.Runtime;
using FreesoundTagging.Scoring;
using FreesoundTagging.Tests.Support;
using FreesoundTagging.Torch;
using FreesoundTagging.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Training;

/// <summary>Shifts along the mel axis: --band-shift at training time, --tta-shifts at scoring time.</summary>
[Collection(TorchCollection.Name)]
public class BandShiftTests
{
    public BandShiftTests() => TorchRuntime.Initialise(1);

    [Fact]
    public void AShiftMovesEveryFrameAlongTheBandsAndRepeatsTheEdgeBand()
    {
        // Two frames of five bands.
        float[] up = [1, 2, 3, 4, 5, 10, 20, 30, 40, 50];
        BandShifter.Shift(up, 2, 5, 2);
        Assert.Equal([1, 1, 1, 2, 3, 10, 10, 10, 20, 30], up);
        float[] down = [1, 2, 3, 4, 5, 10, 20, 30, 40, 50];
        BandShifter.Shift(down, 2, 5, -1);
        Assert.Equal([2, 3, 4, 5, 5, 20, 30, 40, 50, 50], down);
        float[] far = [1, 2, 3];
        BandShifter.Shift(far, 1, 3, -7);
        Assert.Equal([3, 3, 3], far);
        float[] none = [1, 2, 3];
        BandShifter.Shift(none, 1, 3, 0);
        Assert.Equal([1, 2, 3], none);
    }

    [Fact]
    public void TrainingShiftsAreDrawnPerExampleWithinTheLimit()
    {
        // One frame of 8 bands 0..7 per example: a shift by k turns band b into max(0, min(7, b - k)).
        const int count = 200, bands = 8;
        var samples = new float[count * bands];
        for (int i = 0; i < count; i++)
            for (int b = 0; b < bands; b++) samples[i * bands + b] = b;
        BatchAugmenter.Apply(Augmentation.None with { BandShift = 2 }, new Random(3), count, 1, bands, 1, samples, new float[count], new float[count]);
        // Band 4 of a shifted example reads 4 - k.
        var shifts = Enumerable.Range(0, count).Select(i => 4 - (int)samples[i * bands + 4]).ToList();
        Assert.All(shifts, k => Assert.InRange(k, -2, 2));
        Assert.Equal([-2, -1, 0, 1, 2], shifts.Distinct().Order());
        for (int i = 0; i < count; i++)
            for (int b = 0; b < bands; b++) Assert.Equal(Math.Clamp(b - shifts[i], 0, bands - 1), samples[i * bands + b]);
    }

    [Fact]
    public void ScoringWithShiftsAveragesTheProbabilitiesOfTheShiftedInputs()
    {
        using var model = EvaluatedVgg(seed: 6);
        var features = FeatureConfig.Original with { MelCount = 16, MaxFrames = 40 };
        var clip = RandomClip(new Random(2), 10);

        float[] Plain(int shift) =>
            new ClipScorer(model, features, windowFrames: 10, lengthBucketed: false, batchSize: 4).Score([ShiftedCopy(clip, shift)], CPU)[0];
        var expected = new float[3];
        foreach (int shift in new[] { 0, 1, -1, 2, -2 })
            for (int c = 0; c < 3; c++) expected[c] += Plain(shift)[c] / 5;
        var scorer = new ClipScorer(model, features, windowFrames: 10, lengthBucketed: false, batchSize: 4, bandShifts: 2);
        Assert.Equal(expected, scorer.Score([clip], CPU)[0], new Tolerance(1e-6));
        Assert.NotEqual(Plain(0), expected, new Tolerance(1e-6));
    }

    [Fact]
    public void WholeClipsWithShiftsShareTheirPassesWithTheShiftedCopies()
    {
        // Padded whole clips (no crops), 5 clips at batch size 4: 4 / 3 = 1 clip and its two shifted copies per pass.
        using var model = EvaluatedVgg(seed: 9);
        var features = FeatureConfig.Original with { MelCount = 16, MaxFrames = 30 };
        var random = new Random(4);
        LogMel[] clips = [.. Enumerable.Range(0, 5).Select(i => RandomClip(random, 5 + 5 * i))];
        float[][] Shifted(int shift) => new ClipScorer(model, features, windowFrames: null, lengthBucketed: false, batchSize: 4).Score(
            clips.Select(c => ShiftedCopy(c, shift)).ToList(), CPU);
        var alone = new[] { 0, 1, -1 }.Select(Shifted).ToArray();
        var together = new ClipScorer(model, features, windowFrames: null, lengthBucketed: false, batchSize: 4, bandShifts: 1).Score(clips, CPU);
        for (int i = 0; i < clips.Length; i++)
            Assert.Equal(Enumerable.Range(0, 3).Select(c => alone.Average(a => a[i][c])).ToArray(), together[i], new Tolerance(1e-6));
    }

    /// <summary>A fresh 16-band, 3-class VGG in eval mode, its weights drawn from <paramref name="seed"/>.</summary>
    private static TaggingModel EvaluatedVgg(int seed)
    {
        torch.manual_seed(seed);
        var model = ModelVariant.Vgg2d.Create(16, 3);
        model.eval();
        return model;
    }

    /// <summary>A 16-band clip of log-mel-like values in [-5, -1).</summary>
    private static LogMel RandomClip(Random random, int frames) =>
        new(Enumerable.Range(0, frames * 16).Select(_ => (float)random.NextDouble() * 4 - 5).ToArray(), frames, 16);

    /// <summary>A copy of <paramref name="clip"/> moved <paramref name="shift"/> bands along the mel axis.</summary>
    private static LogMel ShiftedCopy(LogMel clip, int shift)
    {
        var values = clip.Values.ToArray();
        BandShifter.Shift(values, clip.Frames, clip.MelCount, shift);
        return new LogMel(values, clip.Frames, clip.MelCount);
    }

    [Fact]
    public void ShiftedScoringOverManyPassesMatchesScoringEachShiftAlone()
    {
        // Batch size 1 scores 2 windows per pass: the clips' 1 + 4 + 7 windows take 6 passes, the last one short, so
        // the buffers reused from pass to pass are exercised, and so is the shorter last pass.
        using var model = EvaluatedVgg(seed: 8);
        var features = FeatureConfig.Original with { MelCount = 16, MaxFrames = 80 };
        var random = new Random(3);
        LogMel[] clips = [RandomClip(random, 7), RandomClip(random, 25), RandomClip(random, 40)];

        float[][] Shifted(int shift) => new ClipScorer(model, features, windowFrames: 10, lengthBucketed: false, batchSize: 1).Score(
            clips.Select(c => ShiftedCopy(c, shift)).ToList(), CPU);
        var alone = new[] { 0, 1, -1 }.Select(Shifted).ToArray();
        var together = new ClipScorer(model, features, windowFrames: 10, lengthBucketed: false, batchSize: 1, bandShifts: 1).Score(clips, CPU);
        for (int i = 0; i < clips.Length; i++)
        {
            var expected = Enumerable.Range(0, 3).Select(c => alone.Average(a => a[i][c])).ToArray();
            Assert.Equal(expected, together[i], new Tolerance(1e-6));
        }
    }

    [Fact]
    public void AModelFileCarriesItsScoringShiftsToPredictAndInfo()
    {
        using var dir = new TempDir();
        torch.manual_seed(7);
        using var model = ModelVariant.Vgg2d.Create(16, 2);
        var features = FeatureConfig.Original with { MelCount = 16, MaxFrames = 40 };
        ModelFile.Save(dir.File("m.fstmodel"), model, ["a", "b"], features, windowFrames: 10, bandShifts: 1);
        Assert.Equal(1, ModelFile.ReadMetadata(dir.File("m.fstmodel")).ScoringBandShifts);
        using var loaded = ModelFile.Load(dir.File("m.fstmodel"));
        Assert.Equal(1, ClipScorer.For(loaded, 4).BandShifts);
        Assert.Contains("each also shifted by ±1 mel bands (3 passes averaged)", string.Join("\n", ModelInfo.Read(dir.File("m.fstmodel")).ToLines()));
        // Files without the field (all before it existed) score unshifted.
        ModelFile.Save(dir.File("old.fstmodel"), model, ["a", "b"], features, windowFrames: 10);
        Assert.Null(ModelFile.ReadMetadata(dir.File("old.fstmodel")).BandShifts);
        Assert.Throws<ArgumentException>(() => ModelFile.Save(dir.File("bad.fstmodel"), model, ["a", "b"], features, windowFrames: 10, bandShifts: 9));
    }

    [Fact]
    public void AFileClaimingImpossibleShiftsIsRefusedOnLoad()
    {
        using var dir = new TempDir();
        var features = FeatureConfig.Original with { MelCount = 16, MaxFrames = 40 };
        var metadata = new ModelMetadata(ModelVariant.Vgg2d.Name, ["a", "b"], features, TrainingHistory.Empty, 10, null, null, BandShifts: 9);
        File.WriteAllBytes(dir.File("m.fstmodel"), ModelFile.Pack(ModelFile.SerializeMetadata(metadata), new byte[16]));
        Assert.Contains("the scoring band shifts must be 0 to 8 (got 9)", Assert.Throws<InvalidModelException>(() => ModelFile.Load(dir.File("m.fstmodel"))).Message);
    }

    [Fact]
    public void TheShiftOptionsAreChecked()
    {
        var recipe = RecipeTests.Recipe();
        Assert.Contains((recipe with { BandShift = -1 }).Problems(), p => p.Contains("--band-shift: must be 0 to 64 bands"));
        Assert.Contains((recipe with { TtaBandShifts = 9 }).Problems(), p => p.Contains("--tta-shifts: must be 0 to 8 bands (got 9)"));
        Assert.Contains("band shifts ±2", (recipe with { BandShift = 2 }).Describe("cnn_2d_vgg"));
        Assert.Contains("scored at band shifts 0..±1", (recipe with { TtaBandShifts = 1 }).Describe("cnn_2d_vgg"));
    }
}
