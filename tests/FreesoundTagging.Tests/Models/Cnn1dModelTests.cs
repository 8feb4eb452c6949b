using FreesoundTagging.Models;
using FreesoundTagging.Runtime;
using FreesoundTagging.Torch;
using FreesoundTagging.Training;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Models;

[Collection(TorchCollection.Name)]
public class Cnn1dModelTests
{
    [Theory]
    [InlineData("cnn_1d", 218_491)]
    [InlineData("cnn_1d_dropout", 218_491)]
    [InlineData("cnn_1d_dense_dropout", 234_491)]
    public void ParameterCountsMatchKeras(string variant, long expected)
    {
        TorchRuntime.Initialise();
        using var model = ModelVariant.Parse(variant).Create( 64, 41);
        Assert.Equal(expected, model.parameters().Sum(p => p.numel()));
        Assert.Equal(expected, Cnn1dVariants.ParameterCount(ModelVariant.Parse(variant), 64, 41));
    }

    [Theory]
    [InlineData("cnn_1d", new[] { "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "conv3.weight", "conv3.bias", "head.0.weight", "head.0.bias" })]
    [InlineData("cnn_1d_dropout", new[] { "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "conv3.weight", "conv3.bias", "head.1.weight", "head.1.bias" })]
    [InlineData("cnn_1d_dense_dropout", new[] { "conv1.weight", "conv1.bias", "conv2.weight", "conv2.bias", "conv3.weight", "conv3.bias", "head.1.weight", "head.1.bias", "head.4.weight", "head.4.bias" })]
    public void StateDictKeysAreTheCheckpointKeys(string variant, string[] keys)
    {
        TorchRuntime.Initialise();
        using var model = ModelVariant.Parse(variant).Create( 64, 41);
        Assert.Equal(keys, model.state_dict().Keys.ToArray());
    }

    [Theory]
    [InlineData(3001)]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(100)]
    public void AnyLengthGivesOneRowOfLogitsPerClip(int frames)
    {
        TorchRuntime.Initialise();
        using var scope = NewDisposeScope();
        foreach (var variant in ModelVariant.All)
        {
            using var model = variant.Create(64, 41);
            model.eval();
            using var noGrad = no_grad();
            var logits = model.forward(randn(2, frames, 64));
            Assert.Equal([2L, 41], logits.shape);
            Assert.True(logits.isfinite().all().item<bool>());
        }
    }

    [Theory]
    [InlineData(3001, 1501, 751)]
    [InlineData(1, 1, 1)]
    [InlineData(2, 1, 1)]
    [InlineData(7, 4, 2)]
    [InlineData(100, 50, 25)]
    public void PoolingHalvesLengthsRoundingUp(int frames, long pooled1, long pooled2)
    {
        TorchRuntime.Initialise();
        using var scope = NewDisposeScope();
        using var model = Cnn1dVariants.Plain(64, 5);
        var shapes = model.ActivationShapes(randn(1, frames, 64));
        Assert.Equal([1L, 100, frames], shapes["conv1"]);
        Assert.Equal([1L, 100, pooled1], shapes["pool1"]);
        Assert.Equal([1L, 150, pooled1], shapes["conv2"]);
        Assert.Equal([1L, 150, pooled2], shapes["pool2"]);
        Assert.Equal([1L, 200, pooled2], shapes["conv3"]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    [InlineData(9)]
    public void ForwardMatchesAPlainLoopImplementationOfTheKerasNetwork(int frames)
    {
        TorchRuntime.Initialise();
        using var scope = NewDisposeScope();
        using var model = Cnn1dVariants.WithDenseDropout(6, 4);
        model.eval();
        using var noGrad = no_grad();
        // Random biases too, so padding with anything but -inf in the pools would show.
        using var spread = 0.3.ToScalar();
        foreach (var (_, p) in model.named_parameters()) p.copy_(randn_like(p).mul_(spread));
        var input = randn(2, frames, 6);

        var actual = model.forward(input).data<float>().ToArray();
        var expected = ReferenceNetwork.Logits(model, input);
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], actual[i], 1e-3 * (1 + Math.Abs(expected[i])));
    }

    [Fact]
    public void InitialisationIsGlorotUniformWithZeroBiases()
    {
        TorchRuntime.Initialise();
        using var model = Cnn1dVariants.WithDenseDropout(64, 41);
        foreach (var (name, p) in model.named_parameters())
        {
            if (name.EndsWith("bias", StringComparison.Ordinal))
            {
                Assert.Equal(0f, p.abs().max().item<float>());
                continue;
            }
            long receptive = p.dim() == 3 ? p.shape[2] : 1;
            double limit = Math.Sqrt(6.0 / (p.shape[1] * receptive + p.shape[0] * receptive));
            double max = p.abs().max().item<float>();
            Assert.True(max <= limit + 1e-7, $"{name}: {max} beyond ±{limit}");
            Assert.True(max > 0.9 * limit, $"{name}: {max} far inside ±{limit}, not uniform over the Glorot range");
        }
    }

    [Fact]
    public void DropoutOnlyActsInTrainingMode()
    {
        TorchRuntime.Initialise();
        using var scope = NewDisposeScope();
        using var model = Cnn1dVariants.WithDropout(8, 3);
        var input = randn(4, 20, 8);
        model.eval();
        using (no_grad()) Assert.Equal(0f, (model.forward(input) - model.forward(input)).abs().max().item<float>());
        model.train();
        using (no_grad()) Assert.NotEqual(0f, (model.forward(input) - model.forward(input)).abs().max().item<float>());
    }

    [Fact]
    public void WrongInputShapeIsAClearError()
    {
        TorchRuntime.Initialise();
        using var scope = NewDisposeScope();
        using var model = Cnn1dVariants.Plain(64, 3);
        var e = Assert.Throws<ArgumentException>(() => model.forward(zeros(2, 10, 32)));
        Assert.Contains("(N, T ≥ 1, 64)", e.Message);
        Assert.Throws<ArgumentException>(() => model.forward(zeros(2, 0, 64)));
    }

    [Theory]
    [InlineData("cnn_1d")]
    [InlineData("cnn_1d_dropout")]
    [InlineData("cnn_1d_dense_dropout")]
    public void LossFallsOverAFewAdamStepsOnTinyData(string variant)
    {
        TorchRuntime.Initialise();
        using var scope = NewDisposeScope();
        manual_seed(1234);
        using var model = ModelVariant.Parse(variant).Create( 16, 3);
        // Each class has its own frequency band switched on, so there is something to learn.
        using var tenth = 0.1.ToScalar();
        using var two = 2.0.ToScalar();
        var input = randn(12, 40, 16).mul_(tenth);
        long[] classes = Enumerable.Range(0, 12).Select(i => (long)(i % 3)).ToArray();
        for (int i = 0; i < 12; i++) input[i, .., TensorIndex.Slice(classes[i] * 5, classes[i] * 5 + 5)].add_(two, OwnedScalars.One);
        var targets = nn.functional.one_hot(tensor(classes), 3).to(float32);
        using var optimizer = new AdamOptimizer(model.parameters(), 1e-2, epsilon: 1e-7);

        double before = EvalLoss(model, input, targets);
        for (int step = 0; step < 20; step++)
        {
            using var stepScope = NewDisposeScope();
            model.train();
            optimizer.ZeroGrad();
            var loss = SoftTargetCrossEntropy.Compute(model.forward(input), targets);
            loss.backward();
            optimizer.Step();
        }
        // Judged without dropout, whose noise can make single training-mode losses go up.
        double after = EvalLoss(model, input, targets);
        Assert.True(after < 0.5 * before, $"loss went {before} → {after}");
    }

    private static double EvalLoss(TaggingModel model, Tensor input, Tensor targets)
    {
        model.eval();
        using var noGrad = no_grad();
        return SoftTargetCrossEntropy.Compute(model.forward(input), targets).item<float>();
    }

    [Fact]
    public void OnAnotherDeviceTheForwardPassNeverReadsTheDevicesValues()
    {
        // The meta device holds no values: a read back to the host (content lengths counted on the device, an index
        // copied synchronously) throws there, as it would stall a GPU. libtorch has no meta convolution, so the two
        // host-side pieces of the padded forward are checked: without lengths from the caller every row counts as
        // content, and the sub-batch indices reach the device as a copy the host does not wait for.
        TorchRuntime.Initialise(1);
        using var x = empty(3, 120, 16, device: META);
        Assert.Equal([120, 120, 120], PaddedGlobalMax.ContentFrames(x));
        using var index = PaddedGlobalMax.OnDevice([2, 0, 1], META);
        Assert.Equal(DeviceType.META, index.device_type);
        using var onCpu = zeros(2, 5, 3);
        onCpu[0, 2, 1] = tensor(1f);
        Assert.Equal([3, 0], PaddedGlobalMax.ContentFrames(onCpu));
    }
}
