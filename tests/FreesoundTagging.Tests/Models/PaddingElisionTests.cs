using FreesoundTagging.Models;
using FreesoundTagging.Runtime;
using FreesoundTagging.Torch;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Models;

/// <summary>The elided computation of a zero-padded batch against the plain padded one, forward and backward.</summary>
[Collection(TorchCollection.Name)]
public class PaddingElisionTests
{
    private const int Bands = 16;
    private const int Classes = 5;

    [Theory]
    [InlineData(3001)]
    [InlineData(302)]
    [InlineData(303)]
    [InlineData(304)]
    [InlineData(305)]
    public void ReceptiveFieldIsExactlyTheDerivedOne(int length)
    {
        TorchRuntime.Initialise();
        using var scope = NewDisposeScope();
        var geometry = new Cnn1dGeometry(length);
        if (length == 3001) Assert.Equal((-14L, 14L, -5L, 5L), (geometry.InputLo, geometry.InputHi, geometry.Pool1Lo, geometry.Pool1Hi));
        using var model = Cnn1dVariants.Plain(Bands, Classes);
        using var noGrad = no_grad();
        // Positive weights and inputs: a large bump at frame t raises exactly the conv3 positions that read it.
        foreach (var (_, p) in model.named_parameters()) p.abs_();
        var input = rand(1, length, Bands);
        using var baseline = model.Conv3Of(input);
        foreach (int t in new[] { 0, 1, 2, 3, 17, 150, length / 2, length - 2, length - 1 })
        {
            using var bumped = input.clone();
            using var hundred = 100.0.ToScalar();
            bumped[0, t].add_(hundred, OwnedScalars.One);
            using var after = model.Conv3Of(bumped);
            using var changed = after.ne(baseline).any(1).squeeze(0);
            var actual = changed.data<bool>().ToArray();
            for (long q = 0; q < geometry.Conv3Length; q++)
                Assert.True(actual[q] == (4 * q + geometry.InputLo <= t && t <= 4 * q + geometry.InputHi), $"L {length}, frame {t}, conv3 position {q}: changed {actual[q]}");
        }
    }

    public static TheoryData<string, int, int[]> Batches()
    {
        var data = new TheoryData<string, int, int[]>();
        foreach (var variant in new[] { "cnn_1d", "cnn_1d_dropout", "cnn_1d_dense_dropout" })
        {
            // Every pooling phase of the padded length; 1 frame, a few, around the receptive field (29), and
            // close to and at the padded length.
            foreach (int padded in new[] { 301, 302, 303, 304 })
                data.Add(variant, padded, [1, 2, 3, 5, 13, 14, 15, 28, 29, 30, 31, 45, 100, padded - 60, padded - 31, padded - 29, padded - 27, padded - 1, padded]);
            data.Add(variant, 301, [1]);
            data.Add(variant, 301, [30, 31, 32]);
        }
        data.Add("cnn_1d_dropout", 3001, [1, 7, 29, 78, 230, 600, 2900, 2972, 2974, 2975, 2976, 3000, 3001]);
        data.Add("cnn_1d_dense_dropout", 3001, [2, 15, 31, 120]);
        return data;
    }

    [Theory]
    [MemberData(nameof(Batches))]
    public void LogitsAndGradientsEqualThePaddedComputation(string variant, int padded, int[] lengths)
    {
        TorchRuntime.Initialise();
        using var scope = NewDisposeScope();
        manual_seed(padded + lengths.Length);
        // In float64, so that float32 rounding (which differs with the crop length) cannot hide a real difference.
        using var model = RandomModel(variant);
        model.to(float64);
        model.train();
        var input = PaddedBatch(lengths, padded).to(float64);
        var weights = randn(lengths.Length, Classes, float64);

        var (plainLogits, plainGrads) = LogitsAndGradients(model, elide: false, () => model.forward(input), weights);
        int longest = lengths.Max();
        var (elidedLogits, elidedGrads) = LogitsAndGradients(model, elide: true, () => model.ForwardPadded(input.narrow(1, 0, longest), padded, lengths), weights);
        var (detectedLogits, _) = LogitsAndGradients(model, elide: true, () => model.forward(input), weights);

        AssertClose(plainLogits, elidedLogits, 1e-12, "logits");
        AssertClose(plainLogits, detectedLogits, 1e-12, "logits with content read from the input");
        foreach (var name in plainGrads.Keys) AssertClose(plainGrads[name], elidedGrads[name], 1e-11, name + " gradient");
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PackedRowsAreExactInEitherLayout(bool channelsLast)
    {
        // The layout is chosen per CPU (ChannelsLastConv1d); whichever this one takes, the other is checked here too.
        ChannelsLastConv1d.Force = channelsLast;
        try
        {
            foreach (var (variant, padded, lengths) in new[]
            {
                ("cnn_1d_dropout", 301, new[] { 1, 2, 5, 14, 29, 31, 45, 100, 241, 270, 272, 300, 301, 3, 7, 60 }),
                ("cnn_1d_dense_dropout", 304, new[] { 2, 15, 31, 120, 244, 277, 303, 9, 11, 40 }),
            })
                LogitsAndGradientsEqualThePaddedComputation(variant, padded, lengths);
        }
        finally
        {
            ChannelsLastConv1d.Force = null;
        }
    }

    [Fact]
    public void TheZeroTailMattersInTheseBatches()
    {
        // Without the tail (a plain crop to the clip, as --bucket did), the pooled features differ: the checks
        // above would not notice a wrong tail if the padding never won the max.
        TorchRuntime.Initialise();
        using var scope = NewDisposeScope();
        manual_seed(5);
        using var model = RandomModel("cnn_1d");
        using var noGrad = no_grad();
        var input = PaddedBatch([3, 40, 200], 301);
        using var padded = model.GlobalMaxPool(input);
        using var cropped = model.GlobalMaxPool(input.narrow(1, 0, 200));
        Assert.True((padded - cropped).abs().max().item<float>() > 0.1f);
    }

    [Theory]
    [InlineData(1, 301)]
    [InlineData(29, 301)]
    [InlineData(100, 3001)]
    [InlineData(2000, 3001)]
    public void ShortContentIsCroppedInPhaseAndLongContentIsComputedWhole(int content, int padded)
    {
        var elision = new PaddingElision(padded);
        var plan = elision.For(content);
        if (content + 60 < padded)
        {
            Assert.NotNull(plan);
            Assert.Equal(padded % 4, plan!.CropFrames % 4);
            Assert.InRange(plan.CropFrames - content, 27, 30);
        }
        Assert.Null(elision.For(padded - 20));
    }

    [Fact]
    public void TheOriginalsPaddedLengthHasTheDocumentedMargins()
    {
        // docs/performance.md: for 3001 frames, conv3 has 751 positions, the last 3 (748-750) are right-end ones,
        // content up to 2970 frames is elided (beyond, the crop would be the whole 3001), and 25 zeros from
        // position 3 on give the tail.
        var geometry = new Cnn1dGeometry(3001);
        Assert.Equal((751L, 748L, 3L), (geometry.Conv3Length, geometry.FirstRightEnd, geometry.FirstPastLeftEnd));
        var elision = new PaddingElision(3001);
        Assert.Equal((25L, 3L), (elision.ZeroFrames, elision.ZeroTailStart));
        Assert.Equal(new PaddingElision.Plan(29, 4), elision.For(1));
        Assert.Equal(new PaddingElision.Plan(105, 23), elision.For(78));
        Assert.Equal(new PaddingElision.Plan(2997, 746), elision.For(2970));
        Assert.Null(elision.For(2971));
    }

    [Fact]
    public void PackedRowsKeepTheirPhaseAndDoNotOverlap()
    {
        var elision = new PaddingElision(3001);
        int[] lengths = [3001, 20, 25, 2900, 30, 22, 2990, 400, 1, 77];
        var plans = lengths.Select(n => elision.For(n) ?? elision.Whole).ToArray();
        var packing = new RowPacking(elision, plans);
        Assert.Equal(RowPacking.MaxSequences, packing.Sequences);
        Assert.Equal(3001 % 4, packing.Length % 4);
        for (int r = 0; r < plans.Length; r++)
        {
            Assert.Equal(0, packing.Offsets[r] % 4);
            Assert.True(packing.Offsets[r] + plans[r].CropFrames <= packing.Length);
            // A whole row ends its sequence: its right end is the padded row's.
            if (plans[r] == elision.Whole) Assert.Equal(packing.Length, packing.Offsets[r] + 3001);
            for (int o = 0; o < plans.Length; o++)
                if (o != r && packing.Sequence[o] == packing.Sequence[r])
                    Assert.True(packing.Offsets[o] + plans[o].CropFrames <= packing.Offsets[r] || packing.Offsets[r] + plans[r].CropFrames <= packing.Offsets[o], $"rows {r} and {o} overlap");
        }
        // Every row's kept positions are gathered once, in some group.
        var groups = packing.KeptGroups();
        Assert.Equal(Enumerable.Range(0, plans.Length), groups.SelectMany(g => g.Rows).Order());
        foreach (var (rows, index) in groups)
            Assert.Equal(rows.Sum(r => plans[r].TailStart), index.Count(i => i < packing.Sequences * packing.Conv3Length));
        // More whole rows than sequences: one sequence each.
        var wholes = new RowPacking(elision, Enumerable.Repeat(elision.Whole, 6).Append(elision.For(10)!).ToArray());
        Assert.Equal(6, wholes.Sequences);
        Assert.InRange(wholes.Length, 3001 + elision.For(10)!.CropFrames, 3001 + elision.For(10)!.CropFrames + 4);
    }

    [Theory]
    [InlineData(12_000, 3001)]
    [InlineData(8_001, 512)]
    [InlineData(5_002, 100)]
    [InlineData(603, 29)]
    [InlineData(40, 1)]
    public void LongClipsInChunksGiveTheWholeClipsLogits(int frames, int chunk)
    {
        TorchRuntime.Initialise();
        using var scope = NewDisposeScope();
        manual_seed(frames);
        using var model = RandomModel("cnn_1d_dense_dropout");
        model.eval();
        using var noGrad = no_grad();
        var input = randn(2, frames, Bands);
        model.ElidePadding = false;
        var whole = model.forward(input);
        var chunked = model.Classify(LongRowChunks.RowsMax(model, input, frames, chunk));
        AssertClose(whole, chunked, 1e-4, "logits");
    }

    [Fact]
    public void ChunksLeaveOnlyTheirMaxInTheCallersScope()
    {
        // Anything a chunk leaves behind stays alive until the caller's scope ends: one set per chunk, so memory
        // grew with the clip (+230 MB scoring a 20-minute clip) although each chunk is bounded.
        TorchRuntime.Initialise();
        manual_seed(3);
        using var model = RandomModel("cnn_1d_dropout");
        model.eval();
        using var noGrad = no_grad();
        using var input = randn(1, 6000, Bands);
        using var scope = NewDisposeScope();

        using var max = LongRowChunks.RowMax(model, input, 512);

        Assert.Equal(1, scope.DisposablesCount);
    }

    private static Cnn1dModel RandomModel(string variant)
    {
        var model = Cnn1dVariants.Create(ModelVariant.Parse(variant), Bands, Classes);
        // Random biases: with Keras' zero biases the all-zero padding would give 0 after every ReLU, and the
        // constant and right-end activations would be trivially right.
        using var noGrad = no_grad();
        using var spread = 0.5.ToScalar();
        foreach (var (name, p) in model.named_parameters())
            if (name.EndsWith("bias", StringComparison.Ordinal)) p.copy_(randn_like(p).mul_(spread));
        return model;
    }

    /// <summary>(N, padded, Bands) log-mel-like rows, zero past each row's length.</summary>
    private static Tensor PaddedBatch(int[] lengths, int padded)
    {
        var input = zeros(lengths.Length, padded, Bands);
        using var noGrad = no_grad();
        for (int i = 0; i < lengths.Length; i++)
            input[i].narrow(0, 0, lengths[i]).copy_(randn(lengths[i], Bands));
        return input;
    }

    private static (Tensor Logits, Dictionary<string, Tensor> Gradients) LogitsAndGradients(Cnn1dModel model, bool elide, Func<Tensor> forward, Tensor weights)
    {
        model.ElidePadding = elide;
        model.zero_grad();
        // The same dropout masks when the head sees the batch the same way.
        manual_seed(99);
        var logits = forward();
        (logits * weights).sum().backward();
        var grads = model.named_parameters().ToDictionary(p => p.name, p => p.parameter.grad!.clone());
        return (logits.detach(), grads);
    }

    private static void AssertClose(Tensor expected, Tensor actual, double relative, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        double scale = expected.abs().max().to(float64).item<double>();
        double error = (expected - actual).abs().max().to(float64).item<double>();
        Assert.True(error <= relative * (1 + scale), $"{what}: max error {error:G3} against scale {scale:G3}");
    }
}
