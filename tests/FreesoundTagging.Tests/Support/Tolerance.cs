namespace FreesoundTagging.Tests.Support;

/// <summary>
/// Equality within a stated tolerance, for floats that libtorch computes: its kernels' summation order depends on
/// the CPU (AMD EPYC vs Intel Xeon here) and the thread count, so only our own fixed-order code is compared exactly.
/// </summary>
internal sealed class Tolerance(double relative) : IEqualityComparer<double>, IEqualityComparer<float>
{
    public bool Equals(double a, double b) => Math.Abs(a - b) <= relative * Math.Max(1, Math.Max(Math.Abs(a), Math.Abs(b)));

    public bool Equals(float a, float b) => Equals((double)a, b);

    public int GetHashCode(double value) => 0;

    public int GetHashCode(float value) => 0;
}
