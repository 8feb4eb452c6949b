using static TorchSharp.torch;

namespace FreesoundTagging.Torch;

/// <summary>
/// Finds out once per process whether this CPU's libtorch convolution, in the layout the models run it (<see
/// cref="ChannelsLastConv1d"/>), has the oneDNN defect
/// <see cref="ChannelAlignedConv"/> works around: the three convolutions of cnn_1d (64→100 k7, 100→150 k5,
/// 150→200 k3, channel counts not multiples of 16), forward and both gradients, in float32 against the same
/// computation in float64 (which libtorch runs in its own reference kernels, not oneDNN). The defect is errors of
/// ~20% of the output scale; float32 rounding is ~1e-6.
/// </summary>
public static class ConvDefectProbe
{
    /// <summary>Relative error (of the output's scale) above which the plain conv1d is not trusted.</summary>
    public const double Threshold = 1e-4;

    private static readonly (int In, int Out, int Kernel)[] Shapes = [(64, 100, 7), (100, 150, 5), (150, 200, 3)];

    /// <summary>The worst relative error of <paramref name="conv"/> in float32 (input (N, C, L), weight, bias, padding →
    /// output) against the float64 reference, over the probe's shapes, forward, input gradient and weight gradient.</summary>
    public static double WorstError(Func<Tensor, Tensor, Tensor, long, Tensor> conv)
    {
        using var scope = NewDisposeScope();
        // It may first run inside a caller's no_grad (prediction), and needs gradients.
        using var grad = enable_grad();
        // A fixed generator of its own: the probe must not move the caller's random stream.
        var generator = new Generator(20181UL);
        double worst = 0;
        foreach (var (cin, cout, kernel) in Shapes)
        {
            var x = randn([2, cin, 300], generator: generator);
            var w = randn([cout, cin, kernel], generator: generator);
            var b = randn([cout], generator: generator);
            var upstream = randn([2, cout, 300], generator: generator);
            var single = Gradients(conv, x, w, b, upstream, kernel / 2);
            var reference = Gradients(Reference, x.to(float64), w.to(float64), b.to(float64), upstream.to(float64), kernel / 2);
            for (int i = 0; i < single.Length; i++)
            {
                double scale = reference[i].abs().max().item<double>();
                double error = (single[i].to(float64) - reference[i]).abs().max().item<double>();
                worst = Math.Max(worst, double.IsFinite(error) ? error / Math.Max(scale, 1e-30) : double.PositiveInfinity);
            }
        }
        return worst;
    }

    /// <summary>True when libtorch's own conv1d on this CPU is off by more than <see cref="Threshold"/>.</summary>
    public static bool PlainConvIsDefective() => PlainConvError() > Threshold;

    /// <summary><see cref="WorstError"/> of the plain convolution in the layout the models run it (<see cref="ChannelsLastConv1d"/>).</summary>
    public static double PlainConvError() =>
        WorstError(ChannelsLastConv1d.Enabled ? PlainChannelsLast : (x, w, b, padding) => ChannelAlignedConv.Plain(w, b, x, 1, padding));

    /// <summary><see cref="ChannelAlignedConv.Plain"/> on (N, C, L) run as (N, C, 1, L) in channels-last memory.</summary>
    private static Tensor PlainChannelsLast(Tensor x, Tensor w, Tensor b, long padding)
    {
        using var map = x.unsqueeze(2);
        using var channelsLast = MemoryLayout.ToChannelsLast(map);
        using var output = ChannelAlignedConv.Plain(w, b, channelsLast, 1, padding);
        return output.squeeze(2);
    }

    /// <summary>libtorch's conv1d in float64, which oneDNN does not implement (it runs libtorch's own kernels).</summary>
    private static Tensor Reference(Tensor x, Tensor w, Tensor b, long padding) => nn.functional.conv1d(x, w, b, padding: padding);

    private static Tensor[] Gradients(Func<Tensor, Tensor, Tensor, long, Tensor> conv, Tensor x, Tensor w, Tensor b, Tensor upstream, long padding)
    {
        var xg = x.detach().requires_grad_(true);
        var wg = w.detach().requires_grad_(true);
        var output = conv(xg, wg, b, padding);
        output.mul(upstream).sum().backward();
        return [output.detach(), xg.grad!, wg.grad!];
    }
}
