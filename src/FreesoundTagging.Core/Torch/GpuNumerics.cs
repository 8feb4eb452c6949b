using TorchSharp;

namespace FreesoundTagging.Torch;

/// <summary>
/// libtorch's process-wide switches for float32 arithmetic on a GPU, set once at start-up: TF32 off (unless asked
/// for) and cuDNN's deterministic algorithms without autotuning, so a GPU run computes what the CPU computes up to
/// float32 rounding and gives the same result twice.
/// </summary>
/// <remarks>
/// Why: libtorch lets cuDNN convolutions use TF32 tensor cores by default (10 mantissa bits instead of 23), which
/// moves a GPU's logits ~1e-3 away from the CPU's; and cuDNN's fastest convolution algorithms (picked by timing when
/// benchmarking is on) sum in an order that varies between runs. Both are what
/// <c>torch.backends.cudnn.allow_tf32 = False</c>, <c>torch.backends.cudnn.deterministic = True</c> and
/// <c>torch.backends.cudnn.benchmark = False</c> do in Python. TF32 goes through TorchSharp's bindings; the two
/// cuDNN switches have none and are called through <see cref="ContextExports"/>. On a CPU-only libtorch the flags
/// are set all the same (the context holds them) and change nothing.
/// </remarks>
public static class GpuNumerics
{
    private const string SetDeterministicCudnn = "_ZN2at7Context21setDeterministicCuDNNEb";
    private const string DeterministicCudnn = "_ZNK2at7Context18deterministicCuDNNEv";
    private const string SetBenchmarkCudnn = "_ZN2at7Context17setBenchmarkCuDNNEb";
    private const string BenchmarkCudnn = "_ZNK2at7Context14benchmarkCuDNNEv";

    /// <summary>TF32 for cuDNN convolutions and cuBLAS matrix products: <paramref name="allowTf32"/> (false unless a
    /// command's --tf32 asks for speed over agreement with the CPU); cuDNN deterministic, not benchmarking.</summary>
    public static void Apply(bool allowTf32)
    {
        torch.backends.cudnn.allow_tf32 = allowTf32;
        torch.backends.cuda.matmul.allow_tf32 = allowTf32;
        ContextExports.SetFlag(SetDeterministicCudnn, true);
        ContextExports.SetFlag(SetBenchmarkCudnn, false);
    }

    /// <summary>Whether TF32 is allowed for cuDNN convolutions now (libtorch's own flag).</summary>
    public static bool Tf32Allowed => torch.backends.cudnn.allow_tf32;

    /// <summary>Whether TF32 is allowed for cuBLAS matrix products now (libtorch's own flag).</summary>
    public static bool MatmulTf32Allowed => torch.backends.cuda.matmul.allow_tf32;

    /// <summary>cuDNN's deterministic flag as libtorch holds it; null when this libtorch does not export it.</summary>
    public static bool? CudnnDeterministic => ContextExports.GetFlag(DeterministicCudnn);

    /// <summary>cuDNN's benchmark (autotuning) flag as libtorch holds it; null when this libtorch does not export it.</summary>
    public static bool? CudnnBenchmark => ContextExports.GetFlag(BenchmarkCudnn);
}
