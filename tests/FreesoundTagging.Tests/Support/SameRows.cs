using System.Runtime.InteropServices;
using FreesoundTagging.Datasets;
using Xunit;

namespace FreesoundTagging.Tests.Support;

/// <summary>Two opened datasets (e.g. shards against one whole run) hold the same rows: names, labels, frame counts,
/// and every row's samples byte for byte with its targets.</summary>
internal static class SameRows
{
    public static void Assert(TrainingSet whole, TrainingSet other)
    {
        Xunit.Assert.Equal(whole.Fnames, other.Fnames);
        Xunit.Assert.Equal(whole.Labels, other.Labels);
        Xunit.Assert.Equal(whole.Frames, other.Frames);
        int size = whole.Features.MaxFrames * whole.Features.MelCount;
        var (expected, actual) = (new float[size], new float[size]);
        var (expectedTarget, actualTarget) = (new float[whole.Classes.Count], new float[whole.Classes.Count]);
        for (int i = 0; i < whole.Count; i++)
        {
            whole.FillBatch([i], whole.Features.MaxFrames, expected, expectedTarget);
            other.FillBatch([i], other.Features.MaxFrames, actual, actualTarget);
            Xunit.Assert.True(MemoryMarshal.AsBytes(expected.AsSpan()).SequenceEqual(MemoryMarshal.AsBytes(actual.AsSpan())), $"row {i} differs");
            Xunit.Assert.Equal(expectedTarget, actualTarget);
        }
    }
}
