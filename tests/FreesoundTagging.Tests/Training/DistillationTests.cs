using FreesoundTagging.Datasets;
using FreesoundTagging.Features;
using FreesoundTagging.Jobs;
using FreesoundTagging.Models;
using FreesoundTagging.Recipes;
using FreesoundTagging.Tests.Support;
using FreesoundTagging.Torch;
using FreesoundTagging.Training;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Training;

/// <summary>Distillation (model --teacher): the loss, the softened targets, their path through a batch, and that a
/// distilled run is deterministic, resumable and refuses a teacher that does not fit.</summary>
[Collection(TorchCollection.Name)]
public class DistillationTests
{
    public DistillationTests() => TorchRuntime.Initialise();

    [Fact]
    public void TheLossIsTheLabelsAtWeightZeroAndTheMixedTargetsAtTemperatureOne()
    {
        using var scope = NewDisposeScope();
        manual_seed(2);
        var logits = randn(6, 5);
        var labels = nn.functional.one_hot(tensor(new long[] { 0, 1, 2, 3, 4, 0 }), 5).to(float32);
        var teacher = nn.functional.softmax(randn(6, 5), 1);
        var weights = tensor(new float[] { 1, 0.5f, 1, 1, 0.25f, 1 });
        var plain = SoftTargetCrossEntropy.Compute(logits, labels, weights).item<float>();
        Assert.Equal(plain, DistillationLoss.Compute(logits, labels, teacher, weights, temperature: 3, weight: 0).item<float>(), 6);
        // At T = 1 the two terms are one cross-entropy against (1 - a) y + a p.
        var mixed = labels.mul(0.4).add(teacher.mul(0.6));
        Assert.Equal(SoftTargetCrossEntropy.Compute(logits, mixed, weights).item<float>(),
            DistillationLoss.Compute(logits, labels, teacher, weights, temperature: 1, weight: 0.6).item<float>(), 5);
        // At T the soft term is T^2 CE(p, softmax(z / T)).
        var soft = SoftTargetCrossEntropy.Compute(logits.div(2.0), teacher, weights).item<float>();
        Assert.Equal(4 * soft, DistillationLoss.Compute(logits, labels, teacher, weights, temperature: 2, weight: 1).item<float>(), 5);
    }

    [Fact]
    public void SofteningRaisesEachProbabilityToOneOverTAndRenormalises()
    {
        float[] p = [0.7f, 0.2f, 0.1f, 0f, 0.5f, 0.5f];
        var original = p.ToArray();
        TeacherTargets.Soften(p, 3, 1);
        Assert.Equal(original, p);
        TeacherTargets.Soften(p, 3, 2);
        double sum = Math.Sqrt(0.7) + Math.Sqrt(0.2) + Math.Sqrt(0.1);
        Assert.Equal(Math.Sqrt(0.7) / sum, p[0], 6);
        Assert.Equal(Math.Sqrt(0.1) / sum, p[2], 6);
        // A certain row stays (nearly) certain; ties stay ties; every row sums to 1.
        Assert.True(p[3] < 1e-10 && p[4] == p[5]);
        Assert.Equal(1, p[..3].Sum(), 5);
        Assert.Equal(1, p[3..].Sum(), 5);
    }

    [Fact]
    public void MixupBlendsTheTeacherTargetsAsItBlendsTheLabelsAndDrawsTheSame()
    {
        var augmentation = new Augmentation(0.4, SpecAugmentOptions.None, 1);
        int count = 6, frames = 4, bands = 3, classes = 3;
        float[] Samples() => [.. Enumerable.Range(0, count * frames * bands).Select(i => (float)Math.Sin(i))];
        float[] OneHot() => [.. Enumerable.Range(0, count * classes).Select(i => i % classes == (i / classes) % classes ? 1f : 0f)];
        var (withTeacher, plain) = (Samples(), Samples());
        var (targets, plainTargets, teacher) = (OneHot(), OneHot(), OneHot());
        BatchAugmenter.Apply(augmentation, new Random(4), count, frames, bands, classes, withTeacher, targets, new float[count], teacherTargets: teacher);
        BatchAugmenter.Apply(augmentation, new Random(4), count, frames, bands, classes, plain, plainTargets, new float[count]);
        Assert.Equal(plain, withTeacher);
        Assert.Equal(plainTargets, targets);
        // One-hot teacher targets blended by the same partners and weights are the labels' blend.
        Assert.Equal(targets, teacher);
    }

    private static TrainingOptions Distilling(int epochs = 3) => RecipeTests.Recipe(epochs) with { DistillTemperature = 2, DistillWeight = 0.7 };

    /// <summary>Softened targets of a made-up teacher for every row: a fixed, non-trivial distribution per row.</summary>
    private static TeacherTargets Teacher(TrainingSet data, string fingerprint = "teacher-a")
    {
        int classes = data.Classes.Count;
        var p = new float[data.Count * classes];
        for (int i = 0; i < data.Count; i++)
            for (int c = 0; c < classes; c++) p[i * classes + c] = c == data.Labels[i] ? 0.6f : 0.4f / (classes - 1) * (1 + (i + c) % 2);
        for (int i = 0; i < data.Count; i++)
        {
            float sum = p.AsSpan(i * classes, classes).ToArray().Sum();
            for (int c = 0; c < classes; c++) p[i * classes + c] /= sum;
        }
        TeacherTargets.Soften(p, classes, 2);
        return new TeacherTargets(p, classes, 2, fingerprint);
    }

    [Fact]
    public void ADistilledRunRepeatsUnderItsSeedResumesExactlyAndKeepsItsTeacher()
    {
        using var dir = new TempDir();
        var files = SyntheticDataset.Write(dir.Path, rows: 32, classes: 4, verified: i => i % 2 == 0);
        using var data = TrainingSet.Open([files]);
        var options = Distilling();
        var teacher = Teacher(data);
        TrainingOutcome Train(string checkpoint, bool resume = false, TeacherTargets? with = null, CancellationToken cancel = default, RecipeTests.Progress? progress = null) =>
            new Trainer(data, options, () => ModelVariant.Vgg2d.Create(16, 4), dir.File(checkpoint), teacher: with ?? teacher).Run(resume, progress, cancel);
        var first = Train("a.ckpt");
        var again = Train("b.ckpt");
        Assert.Equal(first.History.Select(h => h.TrainLoss), again.History.Select(h => h.TrainLoss));

        using var cancel = new CancellationTokenSource();
        Assert.Throws<OperationCanceledException>(() => Train("c.ckpt", cancel: cancel.Token, progress: new RecipeTests.Progress(p => { if (p.Epoch == 2 && p.Step == 2) cancel.Cancel(); })));
        Assert.Contains("another teacher", Assert.Throws<InvalidModelException>(() => Train("c.ckpt", resume: true, with: Teacher(data, "teacher-b"))).Message);
        Assert.Contains("same --teacher", Assert.Throws<InvalidModelException>(() =>
            new Trainer(data, options, () => ModelVariant.Vgg2d.Create(16, 4), dir.File("c.ckpt")).Run(resume: true)).Message);
        var resumed = Train("c.ckpt", resume: true);
        Assert.Equal(first.History.Select(h => h.TrainLoss), resumed.History.Select(h => h.TrainLoss), new Tolerance(1e-5));
        foreach (var (a, b) in first.Model.parameters().Zip(resumed.Model.parameters()))
            Assert.True(a.allclose(b, rtol: 1e-5, atol: 1e-6));

        // The teacher changes what is learnt: the same seed on the labels alone trains other weights.
        var labelsOnly = new Trainer(data, options, () => ModelVariant.Vgg2d.Create(16, 4), dir.File("d.ckpt")).Run(resume: false);
        Assert.Contains(labelsOnly.Model.parameters().Zip(first.Model.parameters()), pair => !pair.First.allclose(pair.Second));
    }

    [Fact]
    public void TeacherTargetsMustFitTheDataAndTheTemperature()
    {
        using var dir = new TempDir();
        using var data = TrainingSet.Open([SyntheticDataset.Write(dir.Path, rows: 16, classes: 4)]);
        var teacher = Teacher(data);
        Assert.Throws<ArgumentException>(() => new Trainer(data, Distilling() with { DistillTemperature = 3 }, () => ModelVariant.Vgg2d.Create(16, 4), dir.File("a.ckpt"), teacher: teacher));
        Assert.Throws<ArgumentException>(() => new Trainer(data, Distilling(), () => ModelVariant.Vgg2d.Create(16, 4), dir.File("a.ckpt"),
            teacher: teacher with { Probabilities = teacher.Probabilities[..8] }));
    }

    [Fact]
    public void ATeacherOfOtherClassesOrFeaturesIsRefusedAndAFittingOneScoresEveryClip()
    {
        using var dir = new TempDir();
        var files = SyntheticDataset.Write(Directory.CreateDirectory(dir.File("data")).FullName, rows: 24, classes: 3);
        var other = SyntheticDataset.Write(Directory.CreateDirectory(dir.File("other")).FullName, rows: 24, classes: 4);
        var options = RecipeTests.Recipe(1) with { DistillTemperature = 2 };
        TrainTeacher(Path.GetDirectoryName(files.SamplesPath)!, dir.File("teacher.fstmodel"), options);
        ModelTraining.Run(new TrainRequest { Variant = ModelVariant.Vgg2d, DataDirs = [Path.GetDirectoryName(other.SamplesPath)!], SavePath = dir.File("four.fstmodel"), Options = options });

        using var data = TrainingSet.Open([files]);
        var lines = new List<string>();
        var targets = TeacherScoring.Score([dir.File("teacher.fstmodel")], data, options, lines.Add);
        Assert.Equal(data.Count * 3, targets.Probabilities.Length);
        for (int i = 0; i < data.Count; i++) Assert.Equal(1, targets.Probabilities.AsSpan(i * 3, 3).ToArray().Sum(), 4);
        Assert.Equal(TeacherScoring.Fingerprint([dir.File("teacher.fstmodel")]), targets.Fingerprint);
        Assert.Equal(2, lines.Count);
        // Scored again: the same targets (the run's resume depends on it).
        Assert.Equal(targets.Probabilities, TeacherScoring.Score([dir.File("teacher.fstmodel")], data, options).Probabilities);

        Assert.Contains("classes", Assert.Throws<InvalidModelException>(() => TeacherScoring.Score([dir.File("four.fstmodel")], data, options)).Message);
        Assert.Throws<InvalidModelException>(() => TeacherScoring.Score([dir.File("teacher.fstmodel"), dir.File("four.fstmodel")], data, options));

        // Several files are averaged as predict averages them (at T = 1, the targets are that mean), under a fingerprint of their own.
        ModelTraining.Run(new TrainRequest { Variant = ModelVariant.Vgg2d, DataDirs = [Path.GetDirectoryName(files.SamplesPath)!], SavePath = dir.File("second.fstmodel"), Options = options with { Seed = 9 } });
        var plain = options with { DistillTemperature = 1 };
        var first = TeacherScoring.Score([dir.File("teacher.fstmodel")], data, plain).Probabilities;
        var second = TeacherScoring.Score([dir.File("second.fstmodel")], data, plain).Probabilities;
        var both = TeacherScoring.Score([dir.File("teacher.fstmodel"), dir.File("second.fstmodel")], data, plain);
        Assert.Equal(first.Zip(second, (a, b) => (a + b) / 2), both.Probabilities, new Tolerance(1e-6));
        Assert.NotEqual(targets.Fingerprint, both.Fingerprint);
        Assert.NotEmpty(TeacherScoring.Differences(data.Features, data.Features with { LogOffset = 1e-6 }));
        Assert.Empty(TeacherScoring.Differences(data.Features, data.Features with { }));
    }

    [Fact]
    public void ARunDistilledThroughTheJobRecordsItsTeacher()
    {
        using var dir = new TempDir();
        var files = SyntheticDataset.Write(dir.Path, rows: 24, classes: 3);
        var options = RecipeTests.Recipe(1);
        TrainTeacher(dir.Path, dir.File("teacher.fstmodel"), options);
        var student = ModelTraining.Run(new TrainRequest
        {
            Variant = ModelVariant.Vgg2d, DataDirs = [dir.Path], SavePath = dir.File("student.fstmodel"), Options = options, TeacherPaths = [dir.File("teacher.fstmodel")],
        });
        Assert.Contains("distilled from teacher.fstmodel (temperature 2, weight 0.7)", student.History.Recipe);
        // The teacher is an input: a run may not write over it.
        Assert.Throws<InvalidInputException>(() => ModelTraining.Run(new TrainRequest
        {
            Variant = ModelVariant.Vgg2d, DataDirs = [dir.Path], SavePath = dir.File("teacher.fstmodel"), Options = options, TeacherPaths = [dir.File("teacher.fstmodel")],
        }));
    }

    [Fact]
    public void ALongScoringSaysHowFarItIsEveryTenSeconds()
    {
        using var dir = new TempDir();
        var files = SyntheticDataset.Write(dir.Path, rows: 150, classes: 3);
        var options = RecipeTests.Recipe(1);
        TrainTeacher(dir.Path, dir.File("teacher.fstmodel"), options);
        using var data = TrainingSet.Open([files]);
        string[] Lines(double secondsPerLook)
        {
            var lines = new List<string>();
            TeacherScoring.Score([dir.File("teacher.fstmodel")], data, options, lines.Add, time: new JumpingClock(secondsPerLook));
            return [.. lines];
        }

        // The clock is read at the start, after each chunk of 64 clips and for the last line: 150 clips are three
        // chunks, so a line after the first two when each look finds 11 s gone, none when it finds 4 s.
        var slow = Lines(11);
        Assert.Equal(["teacher: scored 64 of 150 clips (11 s)", "teacher: scored 128 of 150 clips (22 s)"], slow[1..^1]);
        Assert.StartsWith("teacher: scored 150 clips in 44 s", slow[^1]);
        Assert.Equal(2, Lines(4).Length);
    }

    /// <summary>A clock that moves on by a fixed number of seconds each time it is read.</summary>
    private sealed class JumpingClock(double secondsPerLook) : TimeProvider
    {
        private long _ticks;

        public override long TimestampFrequency => TimeSpan.TicksPerSecond;

        public override long GetTimestamp()
        {
            long now = _ticks;
            _ticks += (long)(secondsPerLook * TimeSpan.TicksPerSecond);
            return now;
        }
    }

    [Fact]
    public void AResumeThatCannotGoOnIsRefusedBeforeTheTeacherScores()
    {
        using var dir = new TempDir();
        SyntheticDataset.Write(dir.Path, rows: 24, classes: 3);
        var options = RecipeTests.Recipe(1);
        TrainRequest Request(string save, string[] teachers, TrainingOptions with, bool resume = false) => new()
        {
            Variant = ModelVariant.Vgg2d, DataDirs = [dir.Path], SavePath = dir.File(save), Options = with, TeacherPaths = [.. teachers.Select(dir.File)], Resume = resume,
        };
        ModelTraining.Run(Request("a.fstmodel", [], options));
        ModelTraining.Run(Request("b.fstmodel", [], options with { Seed = 9 }));
        ModelTraining.Run(Request("student.fstmodel", ["a.fstmodel"], options));
        var observer = new NoticeRecorder();

        Assert.Contains("another teacher", Assert.Throws<InvalidModelException>(() => ModelTraining.Run(Request("student.fstmodel", ["b.fstmodel"], options, resume: true), observer)).Message);
        Assert.Contains("another teacher", Assert.Throws<InvalidModelException>(() =>
            ModelTraining.Run(Request("student.fstmodel", ["a.fstmodel", "b.fstmodel"], options, resume: true), observer)).Message);
        Assert.Contains("already finished 1 of 1 epochs", Assert.Throws<InvalidModelException>(() =>
            ModelTraining.Run(Request("student.fstmodel", ["a.fstmodel"], options, resume: true), observer)).Message);
        // A single run without a checkpoint gets the trainer's own words, before the teacher too.
        Assert.EndsWith(": checkpoint not found (nothing to resume)", Assert.Throws<InvalidModelException>(() =>
            ModelTraining.Run(Request("never-started.fstmodel", ["a.fstmodel"], options, resume: true), observer)).Message);
        Assert.DoesNotContain(observer.Lines, line => line.StartsWith("teacher: scoring", StringComparison.Ordinal));

        // With an epoch left, the same teacher is scored and the run goes on from its checkpoint.
        var resumed = ModelTraining.Run(Request("student.fstmodel", ["a.fstmodel"], options with { Epochs = 2 }, resume: true), observer);
        Assert.Contains(observer.Lines, line => line.StartsWith("teacher: scoring", StringComparison.Ordinal));
        Assert.Equal(2, resumed.History.Epochs.Count);
    }

    /// <summary>A plain network on <paramref name="dataDir"/>'s features, saved as <paramref name="save"/> to teach with.</summary>
    private static void TrainTeacher(string dataDir, string save, TrainingOptions options) =>
        ModelTraining.Run(new TrainRequest { Variant = ModelVariant.Vgg2d, DataDirs = [dataDir], SavePath = save, Options = options });

    private sealed class NoticeRecorder : ITrainingObserver
    {
        public List<string> Lines { get; } = [];

        public void OnNotice(string line) => Lines.Add(line);
    }
}
