namespace FreesoundTagging.Inputs;

/// <summary><c>--shard K/N</c>: which rows of train.csv this process takes (every N-th, from K), with K given or
/// taken from the scheduler (auto/N).</summary>
internal static class ShardOption
{
    internal static (int Index, int Count) Parse(string? text, Func<string, string?>? environment = null)
    {
        if (string.IsNullOrWhiteSpace(text)) return (0, 1);
        if (TryParse(text, environment ?? Environment.GetEnvironmentVariable, out var shard, out string error)) return shard;
        throw new InvalidInputException($"--shard: {error}");
    }

    /// <summary>K/N, or auto/N with K from the scheduler's task index (a Slurm array or a Kubernetes Indexed Job).</summary>
    internal static bool TryParse(string text, Func<string, string?> environment, out (int Index, int Count) shard, out string error)
    {
        shard = (0, 1);
        error = $"must be K/N with 0 <= K < N, or auto/N, e.g. 0/4 (got '{text}')";
        string[] parts = text.Split('/');
        if (parts.Length != 2 || !int.TryParse(parts[1], out int n) || n < 1) return false;
        int k;
        if (parts[0] == "auto")
        {
            if (!TaskIndex(environment, out k, out string source, out error)) return false;
            if (k < 0 || k >= n)
            {
                error = $"auto/{n}: {source} gives shard {k}, not in 0..{n - 1}";
                return false;
            }
        }
        else if (!int.TryParse(parts[0], out k) || k < 0 || k >= n) return false;
        shard = (k, n);
        error = "";
        return true;
    }

    private static bool TaskIndex(Func<string, string?> environment, out int k, out string source, out string error)
    {
        k = 0;
        source = error = "";
        string? slurm = environment("SLURM_ARRAY_TASK_ID");
        string? job = environment("JOB_COMPLETION_INDEX");
        if (!string.IsNullOrWhiteSpace(slurm))
        {
            // --array=1-4 numbers its tasks from 1: the offset from the array's first task is the shard.
            string? min = environment("SLURM_ARRAY_TASK_MIN");
            if (!WholeNumber("SLURM_ARRAY_TASK_ID", slurm, out int id, ref error)) return false;
            int first = 0;
            if (!string.IsNullOrWhiteSpace(min) && !WholeNumber("SLURM_ARRAY_TASK_MIN", min, out first, ref error)) return false;
            k = id - first;
            source = string.IsNullOrWhiteSpace(min) ? $"SLURM_ARRAY_TASK_ID={id}" : $"SLURM_ARRAY_TASK_ID={id} minus SLURM_ARRAY_TASK_MIN={first}";
            return true;
        }
        if (!string.IsNullOrWhiteSpace(job))
        {
            if (!WholeNumber("JOB_COMPLETION_INDEX", job, out k, ref error)) return false;
            source = $"JOB_COMPLETION_INDEX={k}";
            return true;
        }
        error = "auto/N needs SLURM_ARRAY_TASK_ID (a Slurm job array) or JOB_COMPLETION_INDEX (a Kubernetes Indexed Job), and neither is set; give K/N instead";
        return false;
    }

    private static bool WholeNumber(string name, string text, out int value, ref string error)
    {
        if (int.TryParse(text.Trim(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out value)) return true;
        error = $"auto/N: {name} is '{text}', not a whole number";
        return false;
    }
}
