using FreesoundTagging.Features;
using FreesoundTagging.IO;

namespace FreesoundTagging.Datasets;

/// <summary>Where one inputs run (or shard) left its files.</summary>
public sealed record DatasetFiles(string SamplesPath, string LabelsPath, string DatasetPath)
{
    /// <summary>samples.npy, labels.npy and dataset.json in <paramref name="folder"/>.</summary>
    public static DatasetFiles In(string folder) => new(
        Path.Combine(folder, DatasetInfo.SamplesFileName),
        Path.Combine(folder, DatasetInfo.LabelsFileName),
        Path.Combine(folder, DatasetInfo.FileName));
}

/// <summary>
/// One or more inputs outputs (shards) seen as one dataset, without copying: samples are memory-mapped and a
/// batch is assembled row by row, so memory does not grow with the number of clips.
/// </summary>
public sealed class TrainingSet : IDisposable
{
    private readonly List<Part> _parts = [];
    private readonly int[] _labels;
    private readonly int[] _frames;
    private readonly bool[] _verified;
    private readonly string[] _fnames;
    // Row i of the set is row _local[i] of part _part[i] (concatenated, or shards merged into train.csv order).
    private readonly int[] _part;
    private readonly int[] _local;

    private TrainingSet(FeatureConfig features, IReadOnlyList<string> classes, int count)
    {
        _fnames = new string[count];
        _part = new int[count];
        _local = new int[count];
        Features = features;
        Classes = classes;
        _labels = new int[count];
        _frames = new int[count];
        _verified = new bool[count];
    }

    public FeatureConfig Features { get; }

    public IReadOnlyList<string> Classes { get; }

    public int Count => _labels.Length;

    /// <summary>Class index of each row (argmax of its labels.npy row).</summary>
    public IReadOnlyList<int> Labels => _labels;

    /// <summary>Frames each clip really has, capped at Features.MaxFrames (what samples.npy holds).</summary>
    public IReadOnlyList<int> Frames => _frames;

    public IReadOnlyList<bool> Verified => _verified;

    public IReadOnlyList<string> Fnames => _fnames;

    /// <summary>
    /// Opens and cross-checks every part. Unsharded parts are read one after the other in the order given;
    /// shards of one inputs run (any order) are checked complete and put back in train.csv order.
    /// </summary>
    /// <exception cref="InvalidInputException">A file missing, or parts that disagree with their sidecar or each other.</exception>
    public static TrainingSet Open(IReadOnlyList<DatasetFiles> parts)
    {
        if (parts.Count == 0) throw new InvalidInputException("no dataset given");
        // The same shard twice (however spelled) would silently duplicate its rows.
        var identities = new Dictionary<(ulong, ulong), string>();
        foreach (var p in parts)
        {
            var id = IO.FileStatus.Of(p.DatasetPath);
            if (id.Exists && !identities.TryAdd((id.Device, id.Inode), p.DatasetPath))
                throw new InvalidInputException($"is the same dataset as {identities[(id.Device, id.Inode)]}: each --data folder may be given once", p.DatasetPath);
        }
        var infos = parts.Select(p => DatasetInfo.Read(p.DatasetPath)).ToList();
        var first = infos[0];
        for (int i = 1; i < infos.Count; i++)
        {
            if (!infos[i].Classes.SequenceEqual(first.Classes))
                throw new InvalidInputException($"class list differs from {parts[0].DatasetPath}: shards must come from the same train.csv", parts[i].DatasetPath);
            if (infos[i].Features != first.Features)
                throw new InvalidInputException($"feature settings differ from {parts[0].DatasetPath}", parts[i].DatasetPath);
        }

        var order = ShardOrder.Of(parts, infos);
        var set = new TrainingSet(first.Features, first.Classes, order.Length);
        try
        {
            for (int p = 0; p < parts.Count; p++) set._parts.Add(OpenPart(parts[p], infos[p]));
            var labelRow = new float[first.Classes.Count];
            for (int i = 0; i < order.Length; i++)
            {
                var (p, r) = order[i];
                set._parts[p].Labels.ReadRow(r, labelRow);
                // A NaN or all-zero row would train on nothing (or on NaN) without a word.
                if (!labelRow.All(v => float.IsFinite(v) && v >= 0) || labelRow.Sum() <= 0)
                    throw new InvalidArrayException($"row {r} is not a valid label row (values must be finite, non-negative and not all zero; got {string.Join(", ", labelRow.Take(8))}{(labelRow.Length > 8 ? ", ..." : "")})", parts[p].LabelsPath);
                set._labels[i] = ArgMax(labelRow);
                set._frames[i] = Math.Clamp(infos[p].Frames[r], 1, first.Features.MaxFrames);
                set._verified[i] = infos[p].Verified[r];
                set._fnames[i] = infos[p].Fnames[r];
                set._part[i] = p;
                set._local[i] = r;
            }
            return set;
        }
        catch
        {
            set.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Copies the first <paramref name="frames"/> frames of each row in <paramref name="rows"/> into
    /// <paramref name="samples"/> (rows.Length × frames × MelCount) and their one-hot labels into
    /// <paramref name="targets"/> (rows.Length × C).
    /// </summary>
    public void FillBatch(ReadOnlySpan<int> rows, int frames, Span<float> samples, Span<float> targets) =>
        FillBatch(rows, frames, null, samples, targets);

    /// <summary>
    /// As <see cref="FillBatch(ReadOnlySpan{int}, int, Span{float}, Span{float})"/>, but with
    /// <paramref name="cropStarts"/> each row is a crop of <paramref name="frames"/> frames from its start
    /// (<see cref="ClipCrop"/>: within the clip's true length, looped when the clip is shorter).
    /// </summary>
    public void FillBatch(ReadOnlySpan<int> rows, int frames, IReadOnlyList<int>? cropStarts, Span<float> samples, Span<float> targets)
    {
        int bands = Features.MelCount;
        int rowSize = frames * bands;
        int classes = Classes.Count;
        targets[..(rows.Length * classes)].Clear();
        float[]? whole = cropStarts is null ? null : new float[Features.MaxFrames * bands];
        for (int i = 0; i < rows.Length; i++)
        {
            var (part, local) = (_part[rows[i]], _local[rows[i]]);
            if (whole is null)
                _parts[part].Samples.ReadRow(local, samples.Slice(i * rowSize, rowSize));
            else
            {
                int clipFrames = _frames[rows[i]];
                _parts[part].Samples.ReadRow(local, whole.AsSpan(0, clipFrames * bands));
                ClipCrop.Copy(whole, clipFrames, bands, cropStarts![i], frames, samples.Slice(i * rowSize, rowSize));
            }
            targets[i * classes + _labels[rows[i]]] = 1f;
        }
    }

    /// <summary>Row <paramref name="row"/>'s log-mel, its true frames only.</summary>
    public LogMel ReadClip(int row)
    {
        int bands = Features.MelCount;
        var values = new float[_frames[row] * bands];
        var (part, local) = (_part[row], _local[row]);
        _parts[part].Samples.ReadRow(local, values);
        return new LogMel(values, _frames[row], bands);
    }

    public void Dispose()
    {
        foreach (var part in _parts) part.Dispose();
        _parts.Clear();
    }

    private static Part OpenPart(DatasetFiles files, DatasetInfo info)
    {
        var samples = MappedNpyArray.Open(files.SamplesPath);
        MappedNpyArray? labels = null;
        try
        {
            labels = MappedNpyArray.Open(files.LabelsPath);
            var f = info.Features;
            if (samples.Shape.Length != 3 || samples.Shape[1] != f.MaxFrames || samples.Shape[2] != f.MelCount)
                throw new InvalidArrayException($"shape ({string.Join(", ", samples.Shape)}) does not match {DatasetInfo.FileName} (N, {f.MaxFrames}, {f.MelCount})", files.SamplesPath);
            if (labels.Shape.Length != 2 || labels.Shape[1] != info.Classes.Count)
                throw new InvalidArrayException($"shape ({string.Join(", ", labels.Shape)}) does not match the {info.Classes.Count} classes in {DatasetInfo.FileName}", files.LabelsPath);
            if (samples.RowCount != labels.RowCount)
                throw new InvalidArrayException($"has {samples.RowCount} rows but {Path.GetFileName(files.LabelsPath)} has {labels.RowCount}", files.SamplesPath);
            if (samples.RowCount != info.RowCount)
                throw new InvalidArrayException($"has {samples.RowCount} rows but {DatasetInfo.FileName} lists {info.RowCount} clips", files.SamplesPath);
            if (samples.Dtype == NpyDtype.Int32) throw new InvalidArrayException("samples must be float32 or float64", files.SamplesPath);
            return new Part(samples, labels, (int)samples.RowCount);
        }
        catch
        {
            samples.Dispose();
            labels?.Dispose();
            throw;
        }
    }

    private static int ArgMax(ReadOnlySpan<float> row)
    {
        int best = 0;
        for (int i = 1; i < row.Length; i++) if (row[i] > row[best]) best = i;
        return best;
    }

    private sealed record Part(MappedNpyArray Samples, MappedNpyArray Labels, int Count) : IDisposable
    {
        public void Dispose()
        {
            Samples.Dispose();
            Labels.Dispose();
        }
    }
}
