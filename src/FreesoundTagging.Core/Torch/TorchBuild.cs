using System.Reflection;

namespace FreesoundTagging.Torch;

/// <summary>Which libtorch this build carries (<c>-p:TorchBackend=cpu|cuda</c>), from the core library's assembly
/// metadata, which Directory.Packages.props fills from the same properties as the package versions.</summary>
public static class TorchBuild
{
    private static readonly Dictionary<string, string?> Metadata = typeof(TorchBuild).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .ToDictionary(a => a.Key, a => a.Value);

    /// <summary>True for the CUDA flavour (TorchSharp-cuda-linux): the only one that can run on a GPU.</summary>
    public static bool IsCuda => string.Equals(Metadata.GetValueOrDefault("TorchBackend"), "cuda", StringComparison.OrdinalIgnoreCase);

    /// <summary>libtorch's version, e.g. "2.10.0".</summary>
    public static string LibTorchVersion => Metadata.GetValueOrDefault("LibTorchVersion") ?? "?";

    /// <summary>"libtorch 2.10.0, CPU build" or "libtorch 2.10.0, CUDA 12.8 build".</summary>
    public static string Description => IsCuda
        ? $"libtorch {LibTorchVersion}, CUDA {Metadata.GetValueOrDefault("LibTorchCudaVersion") ?? "?"} build"
        : $"libtorch {LibTorchVersion}, CPU build";
}
