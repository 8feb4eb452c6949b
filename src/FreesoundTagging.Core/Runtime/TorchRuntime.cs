using TorchSharp;

namespace FreesoundTagging.Runtime;

/// <summary>Where tensors live and how libtorch is set up for this process.</summary>
public static class TorchRuntime
{
    private static readonly object Gate = new();

    /// <summary>Held while seeding libtorch's global generator and drawing from it, by code that may run in
    /// parallel threads (ensemble members initialising their networks).</summary>
    public static readonly object GlobalGeneratorGate = new();
    private static bool _initialised;

    /// <summary>
    /// Tunes native memory, loads libtorch (with NNPACK off, see <see cref="NnpackSwitch"/>) and sets its intra-op thread count: <paramref name="threads"/>, or all
    /// cores on the first call. Safe to call more than once; a later call without a count leaves it alone (so a
    /// user's --threads is not undone by code that only needs libtorch loaded).
    /// </summary>
    public static void Initialise(int? threads = null)
    {
        lock (Gate)
        {
            bool first = !_initialised;
            if (first)
            {
                NativeMemoryTuning.Apply();
                ThreadWaitPolicy.Apply();
                torch.InitializeDeviceType(DeviceType.CPU);
                NnpackSwitch.Disable();
                _initialised = true;
            }
            if (threads is not null || first) torch.set_num_threads(Math.Max(1, threads ?? Environment.ProcessorCount));
        }
    }

    /// <summary>Resolves "auto", "cpu" or "cuda[:n]" to a device; "auto" picks CUDA when libtorch sees one.</summary>
    /// <exception cref="InvalidInputException">Unknown name, or CUDA asked for but not available.</exception>
    public static torch.Device ResolveDevice(string name)
    {
        Initialise();
        string n = name.Trim().ToLowerInvariant();
        if (n == "auto") return torch.cuda.is_available() ? torch.CUDA : torch.CPU;
        if (n == "cpu") return torch.CPU;
        if (n.StartsWith("cuda", StringComparison.Ordinal))
        {
            if (!torch.cuda.is_available())
                throw new InvalidInputException($"device '{name}' asked for, but this build or machine has no CUDA (build with -p:TorchBackend=cuda on a machine with an NVIDIA GPU)");
            return torch.device(n);
        }
        throw new InvalidInputException($"unknown device '{name}': use auto, cpu or cuda[:N]");
    }
}
