using FreesoundTagging.Features;

namespace FreesoundTagging.Training;

/// <summary>One batch: which rows, how many frames of each to feed, and for crops where each crop starts.</summary>
/// <param name="Offsets">Start frame of each row's crop (null: from frame 0). See <see cref="ClipCrop"/>.</param>
/// <param name="AugmentSeed">Seeds the batch's mixup partners and masks, so they too are fixed by (seed, epoch).</param>
public sealed record Batch(int[] Rows, int Frames, int[]? Offsets = null, int AugmentSeed = 0);

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
    /// Cropped (<paramref name="cropFrames"/> set): shuffled, every clip fed as a crop of that many frames from a
    /// random start.
    /// </summary>
    public static IReadOnlyList<Batch> ForEpoch(IReadOnlyList<int> rows, IReadOnlyList<int> frames, int batchSize, int maxFrames, bool bucket, int seed, int epoch, int? cropFrames = null)
    {
        // Plain arithmetic, not HashCode.Combine: .NET randomises HashCode per process, which would give a
        // resumed run (a new process) other batches than the run it continues.
        var random = new Random(unchecked(seed * 1_000_003 + epoch * 7_919 + 0x5eed));
        int[] order = rows.ToArray();
        random.Shuffle(order);
        var batches = new List<Batch>();
        if (cropFrames is { } crop)
        {
            for (int i = 0; i < order.Length; i += batchSize)
            {
                int[] members = order[i..Math.Min(i + batchSize, order.Length)];
                int[] offsets = members.Select(r => ClipCrop.RandomStart(frames[r], crop, random)).ToArray();
                batches.Add(new Batch(members, crop, offsets, random.Next()));
            }
            return batches;
        }
        if (!bucket)
        {
            for (int i = 0; i < order.Length; i += batchSize)
                batches.Add(new Batch(order[i..Math.Min(i + batchSize, order.Length)], maxFrames, null, random.Next()));
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
                batches.Add(new Batch(members, Math.Min(maxFrames, members.Max(r => frames[r])), null, 0));
            }
        }
        var shuffled = batches.ToArray();
        random.Shuffle(shuffled);
        for (int i = 0; i < shuffled.Length; i++) shuffled[i] = shuffled[i] with { AugmentSeed = random.Next() };
        return shuffled;
    }
}
