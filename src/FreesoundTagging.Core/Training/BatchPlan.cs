namespace FreesoundTagging.Training;

/// <summary>One batch: which rows, and how many frames of each to feed.</summary>
public sealed record Batch(int[] Rows, int Frames);

/// <summary>
/// The order of an epoch's batches. It is a pure function of (rows, seed, epoch), which is what lets an
/// interrupted epoch resume at the very step it stopped at.
/// </summary>
public static class BatchPlan
{
    /// <summary>
    /// Padded (the original): a shuffled order cut into batches, every clip fed at <paramref name="maxFrames"/>.
    /// Bucketed: shuffled, then cut into pools of 16 batches sorted by true length, so each batch holds clips of
    /// similar length and is cropped to its longest; batch order is shuffled again so lengths do not trend.
    /// </summary>
    public static IReadOnlyList<Batch> ForEpoch(IReadOnlyList<int> rows, IReadOnlyList<int> frames, int batchSize, int maxFrames, bool bucket, int seed, int epoch)
    {
        // Plain arithmetic, not HashCode.Combine: .NET randomises HashCode per process, which would give a
        // resumed run (a new process) other batches than the run it continues.
        var random = new Random(unchecked(seed * 1_000_003 + epoch * 7_919 + 0x5eed));
        int[] order = rows.ToArray();
        random.Shuffle(order);
        var batches = new List<Batch>();
        if (!bucket)
        {
            for (int i = 0; i < order.Length; i += batchSize)
                batches.Add(new Batch(order[i..Math.Min(i + batchSize, order.Length)], maxFrames));
            return batches;
        }
        int pool = batchSize * 16;
        for (int p = 0; p < order.Length; p += pool)
        {
            int[] chunk = order[p..Math.Min(p + pool, order.Length)];
            Array.Sort(chunk, (a, b) => frames[a].CompareTo(frames[b]));
            for (int i = 0; i < chunk.Length; i += batchSize)
            {
                int[] members = chunk[i..Math.Min(i + batchSize, chunk.Length)];
                batches.Add(new Batch(members, Math.Min(maxFrames, members.Max(r => frames[r]))));
            }
        }
        var shuffled = batches.ToArray();
        random.Shuffle(shuffled);
        return shuffled;
    }
}
