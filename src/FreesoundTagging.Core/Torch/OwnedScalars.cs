using TorchSharp;

namespace FreesoundTagging.Torch;

/// <summary>
/// Scalars rooted for the life of the process.
/// </summary>
/// <remarks>
/// TorchSharp 0.107 converts numbers to native Scalars implicitly (and inside methods such as
/// <c>add_(Tensor)</c>, which is <c>add_(other, alpha: 1)</c>) and passes only their handles to libtorch. Nothing
/// keeps the managed Scalar alive during the native call, so a garbage collection started by any other thread
/// can finalize it, freeing it while libtorch reads it: c10 then fails with "Expected false to be true" in
/// <c>Scalar::toDouble</c>, or worse. Core code hands TorchSharp only Scalars something holds: these, or ones
/// kept in a <c>using</c> variable until the call has returned. A test audits the IL for the rest.
/// </remarks>
internal static class OwnedScalars
{
    /// <summary>1, for the alpha of tensor additions and for counters.</summary>
    public static readonly Scalar One = 1.ToScalar();
}
