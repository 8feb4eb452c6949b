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
        // h = 1: twiddle 1.
        if (n >= 2)
            for (int i = 0; i < n; i += 2)
            {
                double ar = re[i], ai = im[i], br = re[i + 1], bi = im[i + 1];
                re[i] = ar + br; im[i] = ai + bi;
                re[i + 1] = ar - br; im[i + 1] = ai - bi;
            }
        // h = 2: twiddles 1 and -i.
        if (n >= 4)
            for (int i = 0; i < n; i += 4)
            {
                double ar = re[i], ai = im[i], br = re[i + 2], bi = im[i + 2];
                re[i] = ar + br; im[i] = ai + bi;
                re[i + 2] = ar - br; im[i + 2] = ai - bi;
                ar = re[i + 1]; ai = im[i + 1];
                double tr = im[i + 3], ti = -re[i + 3];
                re[i + 1] = ar + tr; im[i + 1] = ai + ti;
                re[i + 3] = ar - tr; im[i + 3] = ai - ti;
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
        for (int k = 0; k <= m; k++)
        {
            int a = k == m ? 0 : k, b = k == 0 ? 0 : m - k;
            double er = 0.5 * (re[a] + re[b]), ei = 0.5 * (im[a] - im[b]);
            double or = 0.5 * (im[a] + im[b]), oi = 0.5 * (re[b] - re[a]);
            double c = _splitCos[k], s = _splitSin[k];
            double xr = er + (c * or + s * oi);
            double xi = ei + (c * oi - s * or);
            if (power) first[k] = xr * xr + xi * xi;
            else
            {
                first[k] = xr;
                imaginary[k] = xi;
            }
        }
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
