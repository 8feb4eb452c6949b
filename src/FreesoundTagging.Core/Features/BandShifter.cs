namespace FreesoundTagging.Features;

/// <summary>
/// Moves a log-mel matrix along the mel axis by whole bands, a rough pitch shift (mel bands are close to evenly
/// spaced in log frequency above ~1 kHz): band b takes band b − k's value, and the bands the shift uncovers repeat
/// the edge band, so no band holds a value the clip does not.
/// </summary>
public static class BandShifter
{
    /// <summary>Shifts a (frames, bands) row-major matrix in place by <paramref name="bands"/>: positive moves energy
    /// to higher bands. |shift| ≥ bands fills each frame with its edge band.</summary>
    public static void Shift(Span<float> matrix, int frames, int bands, int shift)
    {
        if (shift == 0) return;
        if (matrix.Length < frames * bands) throw new ArgumentException($"expected {frames}x{bands} values, got {matrix.Length}", nameof(matrix));
        int k = Math.Min(Math.Abs(shift), bands);
        for (int t = 0; t < frames; t++)
        {
            var row = matrix.Slice(t * bands, bands);
            if (shift > 0)
            {
                float low = row[0];
                row[..(bands - k)].CopyTo(row[k..]);
                row[..k].Fill(low);
            }
            else
            {
                float high = row[bands - 1];
                row[k..].CopyTo(row);
                row[(bands - k)..].Fill(high);
            }
        }
    }
}
