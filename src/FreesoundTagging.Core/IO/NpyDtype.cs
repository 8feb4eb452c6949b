namespace FreesoundTagging.IO;

/// <summary>The element types our arrays use, with their numpy descr strings.</summary>
public enum NpyDtype
{
    Float32,
    Float64,
    Int32,
}

public static class NpyDtypeExtensions
{
    public static int ItemSize(this NpyDtype dtype) => dtype switch
    {
        NpyDtype.Float32 => 4,
        NpyDtype.Float64 => 8,
        NpyDtype.Int32 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    public static string Descr(this NpyDtype dtype) => dtype switch
    {
        NpyDtype.Float32 => "<f4",
        NpyDtype.Float64 => "<f8",
        NpyDtype.Int32 => "<i4",
        _ => throw new ArgumentOutOfRangeException(nameof(dtype)),
    };

    /// <summary>Parses "float32" / "float64" (what users type) or a numpy descr.</summary>
    public static NpyDtype Parse(string name) => name.Trim().ToLowerInvariant() switch
    {
        "float32" or "f4" or "<f4" or "single" => NpyDtype.Float32,
        "float64" or "f8" or "<f8" or "double" => NpyDtype.Float64,
        "int32" or "i4" or "<i4" => NpyDtype.Int32,
        _ => throw new InvalidInputException($"unknown dtype '{name}': use float32 or float64"),
    };

    public static string Name(this NpyDtype dtype) => dtype.ToString().ToLowerInvariant();
}
