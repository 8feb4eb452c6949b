using FreesoundTagging.Models;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Models;

/// <summary>The Keras network written out as plain loops over arrays, as an independent check of the tensor code.
/// Only for eval mode (dropout is the identity).</summary>
internal static class ReferenceNetwork
{
    public static float[] Logits(Cnn1dModel model, Tensor input)
    {
        var p = model.named_parameters().ToDictionary(kv => kv.name, kv => kv.parameter);
        int n = (int)input.shape[0], t = (int)input.shape[1], f = (int)input.shape[2];
        var x = input.data<float>().ToArray();
        var result = new List<float>();
        for (int b = 0; b < n; b++)
        {
            // (F, T) channels-first view of clip b.
            var h = new double[f][];
            for (int c = 0; c < f; c++)
            {
                h[c] = new double[t];
                for (int s = 0; s < t; s++) h[c][s] = x[(b * t + s) * f + c];
            }
            h = Pool(Relu(Conv(h, p["conv1.weight"], p["conv1.bias"])));
            h = Pool(Relu(Conv(h, p["conv2.weight"], p["conv2.bias"])));
            h = Relu(Conv(h, p["conv3.weight"], p["conv3.bias"]));
            var v = h.Select(row => row.Max()).ToArray();
            string[] linears = p.ContainsKey("head.0.weight") ? ["head.0"] : p.ContainsKey("head.4.weight") ? ["head.1", "head.4"] : ["head.1"];
            for (int i = 0; i < linears.Length; i++)
            {
                v = Linear(v, p[linears[i] + ".weight"], p[linears[i] + ".bias"]);
                if (i < linears.Length - 1) v = v.Select(z => Math.Max(z, 0)).ToArray();
            }
            result.AddRange(v.Select(z => (float)z));
        }
        return [.. result];
    }

    private static double[][] Conv(double[][] x, Tensor weight, Tensor bias)
    {
        int outC = (int)weight.shape[0], inC = (int)weight.shape[1], k = (int)weight.shape[2], len = x[0].Length;
        var w = weight.data<float>().ToArray();
        var bb = bias.data<float>().ToArray();
        var y = new double[outC][];
        for (int o = 0; o < outC; o++)
        {
            y[o] = new double[len];
            for (int s = 0; s < len; s++)
            {
                double sum = bb[o];
                for (int c = 0; c < inC; c++)
                    for (int j = 0; j < k; j++)
                    {
                        int at = s + j - k / 2;
                        if (at >= 0 && at < len) sum += w[(o * inC + c) * k + j] * x[c][at];
                    }
                y[o][s] = sum;
            }
        }
        return y;
    }

    private static double[][] Relu(double[][] x) => x.Select(r => r.Select(v => Math.Max(v, 0)).ToArray()).ToArray();

    /// <summary>Keras MaxPooling1D(3, 2, 'same'): windows start at 2i − left and ignore positions outside.</summary>
    private static double[][] Pool(double[][] x)
    {
        int len = x[0].Length, outLen = (len + 1) / 2;
        int left = Math.Max((outLen - 1) * 2 + 3 - len, 0) / 2;
        return x.Select(r => Enumerable.Range(0, outLen).Select(i =>
            Enumerable.Range(i * 2 - left, 3).Where(s => s >= 0 && s < len).Max(s => r[s])).ToArray()).ToArray();
    }

    private static double[] Linear(double[] v, Tensor weight, Tensor bias)
    {
        int outF = (int)weight.shape[0], inF = (int)weight.shape[1];
        var w = weight.data<float>().ToArray();
        var b = bias.data<float>().ToArray();
        return Enumerable.Range(0, outF).Select(o => b[o] + Enumerable.Range(0, inF).Sum(i => (double)w[o * inF + i] * v[i])).ToArray();
    }
}
