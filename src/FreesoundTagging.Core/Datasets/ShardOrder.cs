using System.Globalization;

namespace FreesoundTagging.Datasets;

/// <summary>
/// The order in which TrainingSet presents the rows of several parts. Unsharded parts are concatenated in the
/// order given. Shards (inputs --shard K/N) must be a complete set, each K once, and are merged back into
/// train.csv order by their SourceRows, so N shards train exactly as the one set a single run would have written.
/// </summary>
internal static class ShardOrder
{
    /// <exception cref="InvalidInputException">An incomplete, duplicated or mixed set of shards.</exception>
    public static (int Part, int Local)[] Of(IReadOnlyList<DatasetFiles> parts, IReadOnlyList<DatasetInfo> infos)
    {
        var concatenated = infos.SelectMany((info, p) => Enumerable.Range(0, info.RowCount).Select(r => (p, r))).ToArray();
        if (parts.Count == 1 || infos.All(i => i.Shard is null)) return concatenated;

        string Folder(int p) => Path.GetDirectoryName(Path.GetFullPath(parts[p].DatasetPath))!;
        var shards = new (int K, int N)[parts.Count];
        int sharded = infos.Select((info, p) => (info, p)).First(x => x.info.Shard is not null).p;
        for (int p = 0; p < parts.Count; p++)
        {
            if (infos[p].Shard is null)
                throw new InvalidInputException($"is not a shard but {Folder(sharded)} is shard {infos[sharded].Shard}: mixes shards with an unsharded set", Folder(p));
            shards[p] = Parse(infos[p].Shard!, Folder(p));
            if (infos[p].SourceRows is null)
                throw new InvalidInputException($"shard {infos[p].Shard} was written by an older inputs that did not record its rows' train.csv positions: rerun inputs for it", Folder(p));
        }
        int n = shards[0].N;
        for (int p = 1; p < parts.Count; p++)
        {
            if (shards[p].N != n)
                throw new InvalidInputException($"is shard {infos[p].Shard} but {Folder(0)} is shard {infos[0].Shard}: mixes shards of {n} and of {shards[p].N}", Folder(p));
            // Shard K of the verified rows and shard K of all rows are different rows under the same name.
            if (infos[p].VerifiedOnly != infos[0].VerifiedOnly)
                throw new InvalidInputException($"was written {(infos[p].VerifiedOnly ? "with" : "without")} --verified-only but {Folder(0)} {(infos[0].VerifiedOnly ? "with" : "without")}: the shards of one set must use the same inputs options", Folder(p));
        }
        var byIndex = new int?[n];
        for (int p = 0; p < parts.Count; p++)
        {
            int k = shards[p].K;
            if (byIndex[k] is int other)
                throw new InvalidInputException($"shard {k}/{n} is given twice: {Folder(other)} and {Folder(p)}", Folder(p));
            byIndex[k] = p;
        }
        int missing = Array.FindIndex(byIndex, p => p is null);
        if (missing >= 0)
        {
            string got = string.Join(", ", shards.Select(s => s.K).Order().Select(k => $"{k}/{n}"));
            throw new InvalidInputException($"shard {missing}/{n} is missing: got {got} (from {Folder(0)} and {parts.Count - 1} more)");
        }

        var merged = concatenated.OrderBy(x => infos[x.p].SourceRows![x.r]).ToArray();
        for (int i = 1; i < merged.Length; i++)
        {
            var (a, b) = (merged[i - 1], merged[i]);
            int row = infos[b.p].SourceRows![b.r];
            if (infos[a.p].SourceRows![a.r] == row)
                throw new InvalidInputException($"holds train.csv row {row} as {Folder(a.p)} does: shards must come from one train.csv", Folder(b.p));
        }
        return merged;
    }

    private static (int K, int N) Parse(string shard, string folder)
    {
        string[] kn = shard.Split('/');
        if (kn.Length == 2
            && int.TryParse(kn[0], NumberStyles.None, CultureInfo.InvariantCulture, out int k)
            && int.TryParse(kn[1], NumberStyles.None, CultureInfo.InvariantCulture, out int n)
            && n >= 1 && k < n)
            return (k, n);
        throw new InvalidInputException($"{DatasetInfo.FileName} says shard '{shard}', expected K/N with 0 <= K < N", folder);
    }
}
