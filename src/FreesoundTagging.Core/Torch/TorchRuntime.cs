using TorchSharp;

namespace FreesoundTagging.Torch;

/// <summary>How libtorch is set up for this process.</summary>
public static class TorchRuntime
{
    private static readonly object Gate = new();

    /// <summary>Held while seeding libtorch's global generator and drawing from it, by code that may run in
    /// parallel threads (ensemble members initialising their networks).</summary>
    public static readonly object GlobalGeneratorGate = new();
    private static bool _initialised;
    private static bool _allowTf32;

    /// <summary>
    /// Tunes native memory, loads libtorch (with NNPACK off, see <see cref="NnpackSwitch"/>; TF32 off and cuDNN
    /// deterministic, see <see cref="GpuNumerics"/>) and sets its intra-op thread count: <paramref name="threads"/>, or all
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
                GpuNumerics.Apply(_allowTf32);
                _initialised = true;
            }
            if (threads is not null || first) torch.set_num_threads(Math.Max(1, threads ?? Environment.ProcessorCount));
        }
    }

    /// <summary>TF32 on a GPU (--tf32): faster convolutions and matrix products with 10-bit mantissas. Off unless a
    /// command sets it; applied at once when libtorch is already loaded.</summary>
    public static bool AllowTf32
    {
        get => _allowTf32;
        set
        {
            lock (Gate)
            {
                _allowTf32 = value;
                if (_initialised) GpuNumerics.Apply(value);
            }
        }
    }
}
