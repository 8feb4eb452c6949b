namespace FreesoundTagging.Runtime;

/// <summary>
/// The FREESOUND_* environment variables, read once, at the first use in a process: switches that benchmarks and
/// diagnosis flip for whole runs. Users never need them; each default is what the commands are tested and measured
/// with. Declared here, in one place, so that the list is complete and none is read twice.
/// </summary>
/// <param name="ElidePadding">FREESOUND_ELIDE_PADDING=0: the 1-D networks run their padded rows through every layer (docs/performance.md).</param>
/// <param name="ChannelsLast">FREESOUND_CHANNELS_LAST=0: the 2-D network keeps NCHW feature maps.</param>
/// <param name="ConvAlignment">FREESOUND_CONV_ALIGN=1 or 0: force the oneDNN conv1d workaround on or off; unset: a probe decides per machine (docs/torch-workarounds.md).</param>
/// <param name="PassiveThreadWait">FREESOUND_OMP_PASSIVE=0: keep libgomp's spinning wait policy.</param>
/// <param name="MallocTuning">FREESOUND_MALLOC_TUNING=0: keep glibc's malloc defaults.</param>
/// <param name="SparseNpy">FREESOUND_SPARSE_NPY=0: write samples.npy's zero padding as zeros instead of file holes.</param>
/// <param name="Debug">FREESOUND_DEBUG=1: an internal error prints its stack trace.</param>
public sealed record EnvironmentSwitches(
    bool ElidePadding, bool ChannelsLast, bool? ConvAlignment, bool PassiveThreadWait, bool MallocTuning, bool SparseNpy, bool Debug)
{
    /// <summary>This process's switches.</summary>
    public static EnvironmentSwitches Current { get; } = Read(Environment.GetEnvironmentVariable);

    /// <summary>The switches as <paramref name="variable"/> reports the environment (a test passes its own).</summary>
    public static EnvironmentSwitches Read(Func<string, string?> variable) => new(
        ElidePadding: variable("FREESOUND_ELIDE_PADDING") != "0",
        ChannelsLast: variable("FREESOUND_CHANNELS_LAST") != "0",
        ConvAlignment: variable("FREESOUND_CONV_ALIGN") switch { "1" => true, "0" => false, _ => null },
        PassiveThreadWait: variable("FREESOUND_OMP_PASSIVE") != "0",
        MallocTuning: variable("FREESOUND_MALLOC_TUNING") != "0",
        SparseNpy: variable("FREESOUND_SPARSE_NPY") != "0",
        Debug: variable("FREESOUND_DEBUG") == "1");
}
