using static TorchSharp.torch;

namespace FreesoundTagging.Models;

/// <summary>
/// cnn_1d's global max of rows far longer than training clips, computed over overlapping windows of conv3
/// positions one row at a time: the same max in memory bounded by the chunk. Used only without gradients.
/// </summary>
internal static class LongRowChunks
{
    /// <summary>Rows longer than this are computed in chunks of about this many frames when no gradient is needed:
    /// a 10-minute clip (60,000 frames) would otherwise hold ~0.5 GB of activations at once.</summary>
    public const int Frames = 4096;

    /// <summary>(N, T, F), each row zero-padded to <paramref name="paddedFrames"/> ≥ T → the global max of conv3
    /// per row, (N, 200), from chunks of about <paramref name="chunkFrames"/> frames.</summary>
    public static Tensor RowsMax(Cnn1dModel model, Tensor rows, long paddedFrames, int chunkFrames)
    {
        model.CheckInput(rows);
        var maxima = new List<Tensor>();
        for (long i = 0; i < rows.shape[0]; i++)
        {
            using var row = rows.narrow(0, i, 1);
            using var padded = PaddedGlobalMax.ZeroPadded(row, paddedFrames);
            maxima.Add(RowMax(model, padded, chunkFrames));
        }
        return cat(maxima, 0);
    }

    /// <summary>The global max of one row (1, T, F) fed whole, from windows of conv3 positions whose inputs lie
    /// within a chunk of about <paramref name="chunkFrames"/> frames (or at the row's real ends). Only the result is
    /// left in the caller's dispose scope.</summary>
    internal static Tensor RowMax(Cnn1dModel model, Tensor row, int chunkFrames)
    {
        var whole = new Cnn1dGeometry(row.shape[1]);
        long perChunk = Math.Max(1, (chunkFrames - (whole.InputHi - whole.InputLo)) / Cnn1dGeometry.Phase);
        Tensor? max = null;
        for (long first = 0; first < whole.Conv3Length; first += perChunk)
        {
            // A scope per chunk: Body's un-named temporaries (each conv's output before its ReLU) would otherwise
            // live until the caller's scope ends, one set per chunk, and memory would grow with the clip after all
            // (a 20-minute clip: +230 MB during scoring).
            using var chunkScope = NewDisposeScope();
            long last = Math.Min(first + perChunk, whole.Conv3Length) - 1;
            // Starts on a multiple of 4 and keeps the row's length mod 4, so the pooling grid is the row's own.
            long start = Math.Max(0, Cnn1dGeometry.Phase * first + whole.InputLo);
            start -= start % Cnn1dGeometry.Phase;
            long end = Math.Min(row.shape[1], whole.InPhase(Cnn1dGeometry.Phase * last + whole.InputHi + 1 - start) + start);
            using var piece = row.narrow(1, start, end - start);
            using var c3 = model.Body(piece);
            long offset = start / Cnn1dGeometry.Phase;
            using var kept = c3.narrow(2, first - offset, last - first + 1);
            var pieceMax = kept.amax([2]);
            var next = (max is null ? pieceMax : maximum(max, pieceMax)).MoveToOuterDisposeScope();
            max?.Dispose();
            max = next;
        }
        return max!;
    }
}
