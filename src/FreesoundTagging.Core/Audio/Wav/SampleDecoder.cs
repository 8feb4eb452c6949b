using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;

namespace FreesoundTagging.Audio;

/// <summary>
/// Turns raw data-chunk bytes into float32 samples with libsndfile's scaling: PCM is divided by 2^(bits-1)
/// (8-bit is unsigned, centred on 128), floats are taken as they are. One loop per encoding, chosen once per
/// block, because this runs over every sample of thousands of clips.
/// </summary>
internal static class SampleDecoder
{
    /// <summary>Decodes <paramref name="destination"/>.Length samples from the start of <paramref name="source"/>.</summary>
    /// <returns>The index of the first sample that is NaN or infinite, or -1 when all are finite.</returns>
    public static int Decode(ReadOnlySpan<byte> source, Span<float> destination, SampleEncoding encoding)
    {
        int count = destination.Length;
        if (source.Length < (long)count * encoding.BytesPerSample())
            throw new ArgumentException("source holds fewer samples than destination", nameof(source));
        switch (encoding)
        {
            case SampleEncoding.PcmU8:
                for (int i = 0; i < count; i++) destination[i] = (source[i] - 128) * (1f / 128f);
                return -1;
            case SampleEncoding.Pcm16:
                DecodePcm16(source[..(2 * count)], destination);
                return -1;
            case SampleEncoding.Pcm24:
                for (int i = 0, j = 0; i < count; i++, j += 3)
                    destination[i] = (source[j] | source[j + 1] << 8 | (sbyte)source[j + 2] << 16) * (1f / 8388608f);
                return -1;
            case SampleEncoding.Pcm32:
                // (float)x rounds first, then the power-of-two scale is exact: libsndfile's i2f order.
                for (int i = 0; i < count; i++)
                    destination[i] = BinaryPrimitives.ReadInt32LittleEndian(source.Slice(4 * i, 4)) * (1f / 2147483648f);
                return -1;
            case SampleEncoding.Float32:
                for (int i = 0; i < count; i++)
                    destination[i] = BinaryPrimitives.ReadSingleLittleEndian(source.Slice(4 * i, 4));
                return FirstNonFinite(destination);
            case SampleEncoding.Float64:
                // Values beyond float32's range become infinite here and are rejected with the NaNs.
                for (int i = 0; i < count; i++)
                    destination[i] = (float)BinaryPrimitives.ReadDoubleLittleEndian(source.Slice(8 * i, 8));
                return FirstNonFinite(destination);
            default:
                throw new ArgumentOutOfRangeException(nameof(encoding), encoding, null);
        }
    }

    /// <summary>16-bit is nearly every clip, so it gets a SIMD loop: widen to int, convert, scale (exact).</summary>
    private static void DecodePcm16(ReadOnlySpan<byte> source, Span<float> destination)
    {
        int i = 0;
        if (BitConverter.IsLittleEndian && Vector.IsHardwareAccelerated)
        {
            var shorts = MemoryMarshal.Cast<byte, short>(source);
            var floats = destination;
            var scale = new Vector<float>(1f / 32768f);
            for (; i <= shorts.Length - Vector<short>.Count; i += Vector<short>.Count)
            {
                Vector.Widen(new Vector<short>(shorts[i..]), out var low, out var high);
                (Vector.ConvertToSingle(low) * scale).CopyTo(floats[i..]);
                (Vector.ConvertToSingle(high) * scale).CopyTo(floats[(i + Vector<int>.Count)..]);
            }
        }
        for (; i < destination.Length; i++)
            destination[i] = BinaryPrimitives.ReadInt16LittleEndian(source.Slice(2 * i, 2)) * (1f / 32768f);
    }

    private static int FirstNonFinite(ReadOnlySpan<float> samples)
    {
        for (int i = 0; i < samples.Length; i++)
            if (!float.IsFinite(samples[i])) return i;
        return -1;
    }
}
