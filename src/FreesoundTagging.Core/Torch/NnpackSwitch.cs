namespace FreesoundTagging.Torch;

/// <summary>
/// Turns libtorch's NNPACK convolution path off (what <c>torch.backends.nnpack.set_flags(False)</c> does in
/// Python; TorchSharp has no binding for it).
/// </summary>
/// <remarks>
/// Why: for some 2-D convolution shapes in evaluation (batches of 16+ without gradients, e.g. cnn_2d_vgg's
/// validation windows) libtorch asks NNPACK first. On CPUs NNPACK does not support - the AMD EPYC VMs this was
/// built on - it fails to initialise and prints "Could not initialize NNPACK! Reason: Unsupported hardware." on
/// every such call, hundreds of lines per training run, before falling back to oneDNN anyway.
/// </remarks>
internal static class NnpackSwitch
{
    /// <summary>True when NNPACK was switched off.</summary>
    public static bool Disable() => ContextExports.SetFlag("_ZN2at7Context20setUserEnabledNNPACKEb", false);

    /// <summary>libtorch's own flag; null when it cannot be read.</summary>
    public static bool? IsEnabled() => ContextExports.GetFlag("_ZNK2at7Context17userEnabledNNPACKEv");
}
