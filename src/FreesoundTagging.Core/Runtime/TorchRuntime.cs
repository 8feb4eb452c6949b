using TorchSharp;

namespace FreesoundTagging.Runtime;

/// <summary>Where tensors live and how libtorch is set up for this process.</summary>
public static class TorchRuntime
{
    private static readonly object Gate = new();
    private static bool _initialised;

    /// <summary>
    /// Tunes native memory, loads libtorch and sets its intra-op thread count (default: all cores).
    /// Safe to call more than once; later calls only change the thread count.
    /// </summary>
    public static void Initialise(int? threads = null)
    {
        lock (Gate)
        {
            if (!_initialised)
            {
                NativeMemoryTuning.Apply();
                torch.InitializeDeviceType(DeviceType.CPU);
                _initialised = true;
            }
            torch.set_num_threads(Math.Max(1, threads ?? Environment.ProcessorCount));
        }
    }

    /// <summary>Resolves "auto", "cpu" or "cuda[:n]" to a device; "auto" picks CUDA when libtorch sees one.</summary>
    /// <exception cref="ArgumentException">Unknown name, or CUDA asked for but not available.</exception>
    public static torch.Device ResolveDevice(string name)
    {
        Initialise();
        string n = name.Trim().ToLowerInvariant();
        if (n == "auto") return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        if (n == "cpu") return torch.CPU;
        if (n.StartsWith("cuda", StringComparison.Ordinal))
        {
            if (!torch.cuda.is_available())
                throw new ArgumentException($"device '{name}' asked for, but this build or machine has no CUDA (build with -p:TorchBackend=cuda on a machine with an NVIDIA GPU)");
            return torch.device(n);
        }
        throw new ArgumentException($"unknown device '{name}': use auto, cpu or cuda[:N]");
    }
}
