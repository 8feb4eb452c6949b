using System.Numerics;
using System.Runtime.Intrinsics;

namespace FreesoundTagging.Features;

/// <summary>
/// |FFT|² of a windowed real frame of FftSize (a power of two) samples, in float64: the frame packed as FftSize / 2
/// complex points (even samples real, odd imaginary) straight into bit-reversed order, an iterative radix-2 complex
/// FFT over separate real and imaginary arrays with exact per-stage twiddle tables (Math.Cos/Math.Sin of each angle,
/// no recurrence), then the usual split into the real signal's FftSize / 2 + 1 bins.
/// Stages of 4 butterflies and more run on Vector256 where the CPU has it, the rest and CPUs without it on the scalar
/// path; both do the same multiplications and additions in the same order (no fused multiply-add), so the bits do
/// not depend on the CPU's vector width. Not thread-safe: it keeps scratch arrays (one per extractor).
/// </summary>
internal sealed class PowerSpectrum
{
    private readonly int _size;
    private readonly int _half;
    private readonly bool _vectors;
    private readonly int[] _reversed;
    private readonly double[] _twiddleRe;
    private readonly double[] _twiddleIm;
    private readonly double[] _splitCos;
    private readonly double[] _splitSin;
    private readonly double[] _re;
    private readonly double[] _im;

    /// <param name="fftSize">A power of two, at least 2.</param>
    /// <param name="useVectors">False forces the scalar path (tests compare the two).</param>
    public PowerSpectrum(int fftSize, bool useVectors = true)
    {
        if (fftSize < 2 || !BitOperations.IsPow2(fftSize)) throw new ArgumentOutOfRangeException(nameof(fftSize), fftSize, "must be a power of two, at least 2");
        _size = fftSize;
        _half = fftSize / 2;
        _vectors = useVectors && Vector256.IsHardwareAccelerated;
        int bits = BitOperations.Log2((uint)_half);
        _reversed = new int[_half];
        for (int k = 0; k < _half; k++) _reversed[k] = bits == 0 ? 0 : (int)(ReverseBits((uint)k) >> (32 - bits));
        // Stage with butterflies of half-width h uses exp(-2πi j / 2h), j < h, at [h - 1, 2h - 1): M - 1 entries in all.
        _twiddleRe = new double[Math.Max(1, _half - 1)];
        _twiddleIm = new double[Math.Max(1, _half - 1)];
        for (int h = 1; h < _half; h *= 2)
            for (int j = 0; j < h; j++)
            {
                double angle = -Math.PI * j / h;
                _twiddleRe[h - 1 + j] = Math.Cos(angle);
                _twiddleIm[h - 1 + j] = Math.Sin(angle);
            }
        _splitCos = new double[_half + 1];
        _splitSin = new double[_half + 1];
        for (int k = 0; k <= _half; k++)
        {
            double angle = 2 * Math.PI * k / _size;
            _splitCos[k] = Math.Cos(angle);
            _splitSin[k] = Math.Sin(angle);
        }
        _re = new double[_half];
        _im = new double[_half];
    }

    /// <summary>Bins of the spectrum: FftSize / 2 + 1.</summary>
    public int Bins => _half + 1;

    /// <summary>|X[k]|², k = 0 … FftSize / 2, of <paramref name="frame"/> × <paramref name="window"/> (float64 products).</summary>
    public void Compute(ReadOnlySpan<float> frame, ReadOnlySpan<double> window, Span<double> power)
    {
        Transform(frame, window);
        Split(power, null);
    }

    /// <summary>The real and imaginary parts of X[k], k = 0 … FftSize / 2, of a real input (for tests).</summary>
    public void Direct(ReadOnlySpan<double> input, Span<double> re, Span<double> im)
    {
        if (input.Length != _size) throw new ArgumentException($"need {_size} samples", nameof(input));
        for (int k = 0; k < _half; k++)
        {
            int to = _reversed[k];
            _re[to] = input[2 * k];
            _im[to] = input[2 * k + 1];
        }
        Butterflies();
        Split(re, im);
    }

    private void Transform(ReadOnlySpan<float> frame, ReadOnlySpan<double> window)
    {
        if (frame.Length != _size || window.Length != _size) throw new ArgumentException($"need {_size} samples and window points");
        for (int k = 0; k < _half; k++)
        {
            int to = _reversed[k];
            _re[to] = frame[2 * k] * window[2 * k];
            _im[to] = frame[2 * k + 1] * window[2 * k + 1];
        }
        Butterflies();
    }

    private void Butterflies()
    {
        int n = _half;
        double[] re = _re, im = _im;
        if (n == 2)
        {
            double ar = re[0], ai = im[0], br = re[1], bi = im[1];
            re[0] = ar + br; im[0] = ai + bi;
            re[1] = ar - br; im[1] = ai - bi;
        }
        // h = 1 (twiddle 1) and h = 2 (twiddles 1 and -i) in one pass: the two stages' operations, in their order.
        if (n >= 4)
            for (int i = 0; i < n; i += 4)
            {
                double r0 = re[i] + re[i + 1], i0 = im[i] + im[i + 1];
                double r1 = re[i] - re[i + 1], i1 = im[i] - im[i + 1];
                double r2 = re[i + 2] + re[i + 3], i2 = im[i + 2] + im[i + 3];
                double r3 = re[i + 2] - re[i + 3], i3 = im[i + 2] - im[i + 3];
                re[i] = r0 + r2; im[i] = i0 + i2;
                re[i + 2] = r0 - r2; im[i + 2] = i0 - i2;
                double tr = i3, ti = -r3;
                re[i + 1] = r1 + tr; im[i + 1] = i1 + ti;
                re[i + 3] = r1 - tr; im[i + 3] = i1 - ti;
            }
        for (int h = 4; h < n; h *= 2)
        {
            if (_vectors) StageVector(h);
            else StageScalar(h);
        }
    }

    private void StageScalar(int h)
    {
        double[] re = _re, im = _im, wre = _twiddleRe, wim = _twiddleIm;
        for (int group = 0; group < _half; group += 2 * h)
            for (int j = 0; j < h; j++)
            {
                int a = group + j, b = a + h;
                double wr = wre[h - 1 + j], wi = wim[h - 1 + j];
                double br = re[b], bi = im[b];
                double tr = wr * br - wi * bi;
                double ti = wr * bi + wi * br;
                double ar = re[a], ai = im[a];
                re[b] = ar - tr; im[b] = ai - ti;
                re[a] = ar + tr; im[a] = ai + ti;
            }
    }

    private void StageVector(int h)
    {
        // h is a multiple of 4, so every load below is a whole Vector256<double> inside the arrays.
        ref double re = ref _re[0], im = ref _im[0], wre = ref _twiddleRe[h - 1], wim = ref _twiddleIm[h - 1];
        for (int group = 0; group < _half; group += 2 * h)
            for (int j = 0; j < h; j += 4)
            {
                nuint a = (nuint)(group + j), b = a + (nuint)h;
                var wr = Vector256.LoadUnsafe(ref wre, (nuint)j);
                var wi = Vector256.LoadUnsafe(ref wim, (nuint)j);
                var br = Vector256.LoadUnsafe(ref re, b);
                var bi = Vector256.LoadUnsafe(ref im, b);
                var tr = wr * br - wi * bi;
                var ti = wr * bi + wi * br;
                var ar = Vector256.LoadUnsafe(ref re, a);
                var ai = Vector256.LoadUnsafe(ref im, a);
                (ar - tr).StoreUnsafe(ref re, b);
                (ai - ti).StoreUnsafe(ref im, b);
                (ar + tr).StoreUnsafe(ref re, a);
                (ai + ti).StoreUnsafe(ref im, a);
            }
    }

    /// <summary>
    /// The real signal's bins from the half-size complex transform Z: X[k] = E + W^k O with E = (Z[k] + conj Z[M-k]) / 2,
    /// O = (Z[k] - conj Z[M-k]) / 2i, W = exp(-2πi / N); into power (<paramref name="imaginary"/> null) or re/im.
    /// </summary>
    private void Split(Span<double> first, Span<double> imaginary)
    {
        bool power = imaginary.IsEmpty;
        int m = _half;
        if (first.Length < m + 1 || (!power && imaginary.Length < m + 1)) throw new ArgumentException($"need {m + 1} bins");
        double[] re = _re, im = _im;
        int k = 0;
        if (power && _vectors && m >= 8)
        {
            // Bin 0 below; then k, k+1, k+2, k+3 against M-k … M-k-3 (loaded upwards, reversed), while those stay above 0.
            SplitPowerScalar(0, first);
            ref double reRef = ref re[0], imRef = ref im[0], cosRef = ref _splitCos[0], sinRef = ref _splitSin[0], powerRef = ref first[0];
            var half = Vector256.Create(0.5);
            var reverse = Vector256.Create(3L, 2L, 1L, 0L);
            for (k = 1; k + 4 <= m; k += 4)
            {
                nuint a = (nuint)k, b = (nuint)(m - k - 3);
                var ra = Vector256.LoadUnsafe(ref reRef, a);
                var ia = Vector256.LoadUnsafe(ref imRef, a);
                var rb = Vector256.Shuffle(Vector256.LoadUnsafe(ref reRef, b), reverse);
                var ib = Vector256.Shuffle(Vector256.LoadUnsafe(ref imRef, b), reverse);
                var er = half * (ra + rb);
                var ei = half * (ia - ib);
                var or = half * (ia + ib);
                var oi = half * (rb - ra);
                var c = Vector256.LoadUnsafe(ref cosRef, a);
                var s = Vector256.LoadUnsafe(ref sinRef, a);
                var xr = er + (c * or + s * oi);
                var xi = ei + (c * oi - s * or);
                (xr * xr + xi * xi).StoreUnsafe(ref powerRef, a);
            }
        }
        if (power)
        {
            for (; k <= m; k++) SplitPowerScalar(k, first);
            return;
        }
        for (; k <= m; k++)
        {
            int a = k == m ? 0 : k, b = k == 0 ? 0 : m - k;
            double er = 0.5 * (re[a] + re[b]), ei = 0.5 * (im[a] - im[b]);
            double or = 0.5 * (im[a] + im[b]), oi = 0.5 * (re[b] - re[a]);
            double c = _splitCos[k], s = _splitSin[k];
            double xr = er + (c * or + s * oi);
            double xi = ei + (c * oi - s * or);
            first[k] = xr;
            imaginary[k] = xi;
        }
    }

    /// <summary><see cref="Split"/>'s bin k as power, the vector loop's arithmetic one lane at a time.</summary>
    private void SplitPowerScalar(int k, Span<double> power)
    {
        int m = _half;
        int a = k == m ? 0 : k, b = k == 0 ? 0 : m - k;
        double[] re = _re, im = _im;
        double er = 0.5 * (re[a] + re[b]), ei = 0.5 * (im[a] - im[b]);
        double or = 0.5 * (im[a] + im[b]), oi = 0.5 * (re[b] - re[a]);
        double c = _splitCos[k], s = _splitSin[k];
        double xr = er + (c * or + s * oi);
        double xi = ei + (c * oi - s * or);
        power[k] = xr * xr + xi * xi;
    }

    private static uint ReverseBits(uint v)
    {
        v = ((v >> 1) & 0x55555555u) | ((v & 0x55555555u) << 1);
        v = ((v >> 2) & 0x33333333u) | ((v & 0x33333333u) << 2);
        v = ((v >> 4) & 0x0F0F0F0Fu) | ((v & 0x0F0F0F0Fu) << 4);
        v = ((v >> 8) & 0x00FF00FFu) | ((v & 0x00FF00FFu) << 8);
        return (v >> 16) | (v << 16);
    }
}
