using System.Reflection;
using System.Runtime.InteropServices;

namespace FreesoundTagging.Runtime;

/// <summary>
/// Turns libtorch's NNPACK convolution path off (what <c>torch.backends.nnpack.set_flags(False)</c> does in
/// Python; TorchSharp has no binding for it).
/// </summary>
/// <remarks>
/// Why: for some 2-D convolution shapes in evaluation (batches of 16+ without gradients, e.g. cnn_2d_vgg's
/// validation windows) libtorch asks NNPACK first. On CPUs NNPACK does not support - the AMD EPYC VMs this was
/// built on - it fails to initialise and prints "Could not initialize NNPACK! Reason: Unsupported hardware." on
/// every such call, hundreds of lines per training run, before falling back to oneDNN anyway. The calls go to
/// the exported C++ functions at::globalContext() and at::Context::setUserEnabledNNPACK(bool) by their Itanium
/// names; if a libtorch build lacks them this does nothing.
/// </remarks>
internal static unsafe class NnpackSwitch
{
    private const string GlobalContext = "_ZN2at13globalContextEv";
    private const string SetUserEnabledNnpack = "_ZN2at7Context20setUserEnabledNNPACKEb";
    private const string UserEnabledNnpack = "_ZNK2at7Context17userEnabledNNPACKEv";

    /// <summary>True when NNPACK was switched off.</summary>
    public static bool Disable()
    {
        if (!TryExport(SetUserEnabledNnpack, out var setEnabled, out nint context)) return false;
        // A member function takes `this` as its first argument in the x86-64 System V ABI.
        ((delegate* unmanaged<nint, byte, void>)setEnabled)(context, 0);
        return true;
    }

    /// <summary>libtorch's own flag; null when it cannot be read.</summary>
    public static bool? IsEnabled() =>
        TryExport(UserEnabledNnpack, out var isEnabled, out nint context) ? ((delegate* unmanaged<nint, byte>)isEnabled)(context) != 0 : null;

    private static bool TryExport(string name, out nint function, out nint context)
    {
        function = context = 0;
        if (!OperatingSystem.IsLinux()) return false;
        if (!NativeLibrary.TryLoad("libtorch_cpu.so", Assembly.GetExecutingAssembly(), DllImportSearchPath.AssemblyDirectory | DllImportSearchPath.SafeDirectories, out var library)
            && !NativeLibrary.TryLoad("libtorch_cpu.so", out library))
            return false;
        if (!NativeLibrary.TryGetExport(library, GlobalContext, out var getContext) || !NativeLibrary.TryGetExport(library, name, out function)) return false;
        context = ((delegate* unmanaged<nint>)getContext)();
        return true;
    }
}
