using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using TorchSharp;

namespace FreesoundTagging.Torch;

/// <summary>
/// The device a run computes on, resolved from <c>--device auto|cpu|cuda|cuda:N</c>, with the words its first status
/// line and the model file's history give it: <c>cuda:0 (libtorch 2.10.0, CUDA 12.8 build; TF32 off)</c>.
/// </summary>
/// <param name="Device">Where tensors go.</param>
/// <param name="Description">The device and the libtorch build, as the status line prints it.</param>
/// <param name="Warning">Said once when "auto" had to settle for less than the build can do (a CUDA build that
/// finds no usable GPU runs on the CPU, and says why); null otherwise.</param>
public sealed partial record ComputeDevice(torch.Device Device, string Description, string? Warning = null)
{
    private static readonly ConcurrentDictionary<string, ComputeDevice> Resolved = new();
    private static readonly ConcurrentDictionary<string, bool> Announced = new();

    /// <summary>Told the first time each --device value is resolved in a run, as it starts computing (after its
    /// inputs were checked): the command running now prints it as its first status line (the core never prints).
    /// One listener, set by each command as it starts, so commands run one after another in one process (tests) do
    /// not each print it.</summary>
    public static Action<ComputeDevice>? Chosen { get; set; }

    public bool IsCpu => Device.type == DeviceType.CPU;

    /// <summary>Makes the next resolution of each name raise <see cref="Chosen"/> again: a command starting a run
    /// (one per process, except in tests that run commands in-process) announces its device afresh.</summary>
    public static void AnnounceAgain() => Announced.Clear();

    /// <summary>
    /// The device <paramref name="name"/> names. "auto" is CUDA device 0 when this build can use one, else the CPU;
    /// "cuda" and "cuda:N" must be usable, or the run stops here with one line naming why (before any output).
    /// </summary>
    /// <exception cref="InvalidInputException">An unknown name; CUDA asked for where it cannot be used; a device
    /// index past the devices present.</exception>
    /// <param name="announce">False to check the name early (an unusable device fails before any input is read)
    /// without raising <see cref="Chosen"/> yet.</param>
    public static ComputeDevice Resolve(string name, bool announce = true)
    {
        string key = name.Trim().ToLowerInvariant();
        var device = Resolved.GetOrAdd(key, k => Resolve(k, CudaProbe, TorchBuild.IsCuda));
        if (announce && Announced.TryAdd(key, true)) Chosen?.Invoke(device);
        return device;
    }

    /// <summary>The resolution itself, over a probe of CUDA (<see cref="CudaProbe"/>) and the build's flavour (tests
    /// give their own).</summary>
    internal static ComputeDevice Resolve(string key, Func<CudaStatus> probe, bool cudaBuild)
    {
        TorchRuntime.Initialise();
        if (key == "cpu") return Cpu();
        if (key == "auto")
        {
            var status = probe();
            if (status.DeviceCount > 0) return Cuda(0, status);
            // A CPU build has no CUDA to miss; a CUDA build that falls back is what a user must hear about.
            return cudaBuild
                ? Cpu($"this is a CUDA build, but CUDA cannot be used here ({status.Reason}): running on the CPU; --device cuda makes this an error")
                : Cpu();
        }
        var match = CudaName().Match(key);
        if (!match.Success) throw new InvalidInputException($"unknown device '{key}': use auto, cpu, cuda or cuda:N");
        var cuda = probe();
        if (cuda.DeviceCount == 0)
            throw new InvalidInputException(cudaBuild
                ? $"--device {key}: CUDA cannot be used on this machine ({cuda.Reason}); run with --device cpu, or check the NVIDIA driver (>= 570 for CUDA 12.8)"
                : $"--device {key}: this build carries the CPU-only libtorch; build the CUDA flavour with -p:TorchBackend=cuda (docs/gpu.md), or run with --device cpu");
        int index = match.Groups["index"].Success ? int.Parse(match.Groups["index"].Value) : 0;
        if (index >= cuda.DeviceCount)
            throw new InvalidInputException($"--device {key}: this machine has {cuda.DeviceCount} CUDA device{(cuda.DeviceCount == 1 ? "" : "s")} (cuda:0{(cuda.DeviceCount > 1 ? $" to cuda:{cuda.DeviceCount - 1}" : "")})");
        return Cuda(index, cuda);
    }

    /// <summary>What CUDA looks like from this process: devices libtorch sees (0 when none or CUDA does not load),
    /// and why not.</summary>
    internal sealed record CudaStatus(int DeviceCount, string Reason);

    private static CudaStatus CudaProbe()
    {
        try
        {
            // Loads libtorch_cuda where the build has it; a CPU build answers false at once.
            if (!torch.cuda.is_available()) return new CudaStatus(0, TorchBuild.IsCuda ? "libtorch sees no CUDA device, or libtorch_cuda did not load" : "CPU-only libtorch");
            int count = torch.cuda.device_count();
            return new CudaStatus(count, count > 0 ? "" : "libtorch sees no CUDA device");
        }
        catch (Exception e) when (e is InvalidOperationException or DllNotFoundException or EntryPointNotFoundException or System.Runtime.InteropServices.ExternalException)
        {
            return new CudaStatus(0, e.Message.Split('\n')[0].Trim());
        }
    }

    private static ComputeDevice Cpu(string? warning = null) => new(torch.CPU, $"cpu ({TorchBuild.Description})", warning);

    private static ComputeDevice Cuda(int index, CudaStatus status) =>
        // The plain constructor: libtorch's CUDA is initialised by the first tensor put there, not by naming it.
        new(new torch.Device(DeviceType.CUDA, index),
            $"cuda:{index} of {status.DeviceCount} ({TorchBuild.Description}; TF32 {(GpuNumerics.Tf32Allowed ? "on" : "off")})");

    [GeneratedRegex(@"^cuda(:(?<index>\d{1,3}))?$")]
    private static partial Regex CudaName();
}
