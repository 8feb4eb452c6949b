namespace FreesoundTagging.CommandLine;

/// <summary>"did you mean ...?" for a mistyped option, variant or recipe: the closest valid name by edit distance
/// (case ignored), when it is close enough to be what was meant.</summary>
internal static class Suggestions
{
    /// <summary>" (did you mean 'deep'?)", or "" when no name is close.</summary>
    public static string DidYouMean(string typed, IEnumerable<string> names)
    {
        string? best = null;
        int bestDistance = int.MaxValue;
        foreach (string name in names)
        {
            int d = Distance(typed.ToLowerInvariant(), name.ToLowerInvariant());
            if (d < bestDistance) (best, bestDistance) = (name, d);
        }
        // A third of the name may be wrong (at least 2 edits): "cnnX" → "cnn_1d", "--epoch" → "--epochs", "Deep" → "deep".
        return best is not null && bestDistance <= Math.Max(2, best.Length / 3) ? $" (did you mean '{best}'?)" : "";
    }

    private static int Distance(string a, string b)
    {
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (int j = 0; j <= b.Length; j++) previous[j] = j;
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
                current[j] = Math.Min(Math.Min(current[j - 1] + 1, previous[j] + 1), previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }
}
