using FreesoundTagging.Datasets;
using FreesoundTagging.Models;
using FreesoundTagging.Recipes;
using FreesoundTagging.Runtime;
using FreesoundTagging.Tests.Support;
using FreesoundTagging.Torch;
using FreesoundTagging.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Training;

/// <summary>--ema: an exponential moving average of the weights is what is validated and saved.</summary>
[Collection(TorchCollection.Name)]
public class WeightAverageTests
{
    public WeightAverageTests() => TorchRuntime.Initialise(1);

    private static TrainingOptions Recipe(int epochs = 3) =>
        RecipeTests.Recipe(epochs) with { MixupAlpha = 0, SpecAugment = SpecAugmentOptions.None, EmaDecay = 0.9 };

    private static float[] Values(Tensor t) => t.to_type(ScalarType.Float32).data<float>().ToArray();

    [Fact]
    public void TheAverageMovesByOneMinusTheDecayTowardsTheTrainedWeightsAndCopiesCounters()
    {
        torch.manual_seed(1);
        using var trained = ModelVariant.Vgg2d.Create(8, 3);
        torch.manual_seed(2);
        var average = new WeightAverage(trained, ModelVariant.Vgg2d.Create(8, 3), decay: 0.9);
        var start = average.Network.state_dict().ToDictionary(p => p.Key, p => Values(p.Value));
        Assert.Equal(Values(trained.state_dict().First().Value), start.First().Value);

        using (no_grad())
        {
            foreach (var p in trained.parameters()) p.add_(1.0);
            foreach (var (name, buffer) in trained.named_buffers())
                if (name.EndsWith("num_batches_tracked", StringComparison.Ordinal)) buffer.fill_(7); else buffer.add_(2.0);
        }
        // Late in a run the ramp (1 + t) / (10 + t) is above the decay, so the decay applies: each weight moves 0.1 of the way.
        Assert.Equal(0.9, average.DecayAt(1000));
        Assert.Equal(0.1, average.DecayAt(0), 12);
        average.Update(1000);
        var trainedNow = trained.state_dict();
        foreach (var (name, value) in average.Network.state_dict())
        {
            float[] expected = name.EndsWith("num_batches_tracked", StringComparison.Ordinal)
                ? Values(trainedNow[name])
                : start[name].Zip(Values(trainedNow[name]), (a, w) => 0.9f * a + 0.1f * w).ToArray();
            Assert.Equal(expected, Values(value), new Tolerance(1e-6));
        }
    }

    [Fact]
    public void NetworksOfOtherShapesAreRefused()
    {
        using var trained = ModelVariant.Vgg2d.Create(8, 3);
        Assert.Throws<ArgumentException>(() => new WeightAverage(trained, ModelVariant.Vgg2d.Create(8, 4), 0.9));
        Assert.Throws<ArgumentOutOfRangeException>(() => new WeightAverage(trained, ModelVariant.Vgg2d.Create(8, 3), 1));
    }

    [Fact]
    public void TheAverageIsSavedAndValidatedWhileTheTrainedNetworkLearnsAsWithout()
    {
        using var dir = new TempDir();
        var files = SyntheticDataset.Write(dir.Path, rows: 32, classes: 4);
        using var data = TrainingSet.Open([files]);
        var options = Recipe() with { ValidationFraction = 0.25 };
        var plain = new Trainer(data, options with { EmaDecay = 0 }, () => ModelVariant.Vgg2d.Create(16, 4), dir.File("a.ckpt")).Run(resume: false);
        var averaged = new Trainer(data, options, () => ModelVariant.Vgg2d.Create(16, 4), dir.File("b.ckpt")).Run(resume: false);

        // The average does not change the steps: the trained network's losses are the same...
        Assert.Equal(plain.History.Select(h => h.TrainLoss), averaged.History.Select(h => h.TrainLoss), new Tolerance(1e-5));
        // ...but the network returned (and validated) is another one.
        Assert.NotEqual(Values(plain.Model.parameters().First()), Values(averaged.Model.parameters().First()));
        Assert.NotEqual(plain.History[^1].ValidationLoss, averaged.History[^1].ValidationLoss);
        Assert.Contains("weight average 0.9", options.Describe("cnn_2d_vgg"));
    }

    [Fact]
    public void AnInterruptedAveragedRunResumesExactly()
    {
        using var dir = new TempDir();
        var files = SyntheticDataset.Write(dir.Path, rows: 32, classes: 4);
        using var data = TrainingSet.Open([files]);
        var straight = new Trainer(data, Recipe(), () => ModelVariant.Vgg2d.Create(16, 4), dir.File("a.ckpt")).Run(resume: false);

        using var cancel = new CancellationTokenSource();
        var progress = new RecipeTests.Progress(p => { if (p.Epoch == 2 && p.Step == 2) cancel.Cancel(); });
        Assert.Throws<OperationCanceledException>(() =>
            new Trainer(data, Recipe(), () => ModelVariant.Vgg2d.Create(16, 4), dir.File("b.ckpt")).Run(resume: false, progress, cancel: cancel.Token));
        var resumed = new Trainer(data, Recipe(), () => ModelVariant.Vgg2d.Create(16, 4), dir.File("b.ckpt")).Run(resume: true);

        foreach (var (a, b) in straight.Model.state_dict().Values.Zip(resumed.Model.state_dict().Values))
            Assert.Equal(Values(a), Values(b), new Tolerance(1e-5));
        // A checkpoint without an average cannot continue an averaged run.
        Assert.Contains("other settings", Assert.Throws<InvalidModelException>(() =>
            new Trainer(data, Recipe() with { EmaDecay = 0 }, () => ModelVariant.Vgg2d.Create(16, 4), dir.File("b.ckpt")).Run(resume: true)).Message);
    }

    [Fact]
    public void TheDecayIsChecked()
    {
        Assert.Contains((Recipe() with { EmaDecay = 1 }).Problems(), p => p.Contains("--ema: must be a number from 0 to 1 (exclusive) (got 1)"));
        Assert.Empty((Recipe() with { EmaDecay = 0 }).Problems());
    }
}
