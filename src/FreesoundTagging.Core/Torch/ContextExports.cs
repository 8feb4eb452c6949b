using System.Reflection;
using System.Runtime.InteropServices;

namespace FreesoundTagging.Torch;

/// <summary>
/// Members of libtorch's <c>at::Context</c> (the process-wide switches Python reaches through torch.backends) that
/// TorchSharp has no binding for, called by their exported Itanium names in libtorch_cpu.so.
/// </summary>
/// <remarks>A member function takes <c>this</c> as its first argument in the x86-64 System V ABI, so an exported
/// <c>void at::Context::setX(bool)</c> is a <c>void f(Context*, bool)</c>. A libtorch build without the export
/// (another version) makes these calls do nothing and say so by their return value.</remarks>
internal static unsafe class ContextExports
{
    private const string GlobalContext = "_ZN2at13globalContextEv";

    /// <summary>Calls the exported <c>void at::Context::NAME(bool)</c>; false when this libtorch lacks it.</summary>
    public static bool SetFlag(string mangledSetter, bool value)
    {
        if (!TryExport(mangledSetter, out var setter, out nint context)) return false;
        ((delegate* unmanaged<nint, byte, void>)setter)(context, value ? (byte)1 : (byte)0);
        return true;
    }

    /// <summary>Calls the exported <c>bool at::Context::NAME() const</c>; null when this libtorch lacks it.</summary>
    public static bool? GetFlag(string mangledGetter) =>
        TryExport(mangledGetter, out var getter, out nint context) ? ((delegate* unmanaged<nint, byte>)getter)(context) != 0 : null;

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
