using System.Diagnostics;
using FreesoundTagging.Features;
using FreesoundTagging.IO;
using FreesoundTagging.Runtime;
using FreesoundTagging.Datasets;

namespace FreesoundTagging.Jobs;

/// <summary>
/// train.csv + audio folder → samples.npy (N, MaxFrames, MelCount), labels.npy (N, C) one-hot and dataset.json.
/// Rows stream to disk in CSV order while clips are decoded on all cores, so memory stays flat however many
/// clips there are. Outputs appear under their final names only when the run completes.
/// </summary>
public static class DatasetBuilder
{
    /// <exception cref="InvalidInputException">Bad folder, CSV, or (without SkipInvalid) an unreadable clip.</exception>
    public static InputsResult Build(InputsRequest request, IProgress<ExtractionProgress>? progress = null, CancellationToken cancel = default)
    {
        var problems = request.Problems();
        if (problems.Count > 0) throw new InvalidSettingsException(problems, "inputs settings");
        if (!Directory.Exists(request.AudioDir)) throw new InvalidInputException(File.Exists(request.AudioDir) ? "is a file, expected the folder holding the audio" : RegularFile.TooLong(request.AudioDir) ?? "audio folder not found", request.AudioDir);
        if (File.Exists(request.OutDir)) throw new InvalidInputException("is a file, expected the folder to write the outputs in", request.OutDir);
        if (RegularFile.TooLong(request.OutDir) is { } tooLong) throw new InvalidInputException(tooLong, request.OutDir);
        // Like `mkdir -p`: a new output folder (and its parents) is made, as the user plainly wants it.
        try
        {
            Directory.CreateDirectory(request.OutDir);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new InvalidInputException($"cannot create the output folder ({e.Message})", request.OutDir, e);
        }

        var manifest = TrainManifest.Read(request.TrainCsv);
        var rows = manifest.Rows
            .Where(r => !request.VerifiedOnly || r.ManuallyVerified)
            .Where((_, i) => i % request.ShardCount == request.ShardIndex)
            .ToList();
        if (rows.Count == 0) throw new InvalidCsvException(request.VerifiedOnly ? "no manually verified rows" : "no rows in this shard", request.TrainCsv);

        string samplesPath = Path.Combine(request.OutDir, DatasetInfo.SamplesFileName);
        string labelsPath = Path.Combine(request.OutDir, DatasetInfo.LabelsFileName);
        string datasetPath = Path.Combine(request.OutDir, DatasetInfo.FileName);
        OutputGuard.Check(
            [new RunFile("train.csv", request.TrainCsv), .. rows.Select(r => new RunFile("clip", Path.Combine(request.AudioDir, r.Fname)))],
            [new RunFile(DatasetInfo.SamplesFileName, samplesPath), new RunFile(DatasetInfo.LabelsFileName, labelsPath), new RunFile(DatasetInfo.FileName, datasetPath)]);

        using var outputLock = OutputLock.Acquire([samplesPath]);

        var skipped = new List<SkippedClip>();
        // A folder or FIFO under a listed name is not "missing": the audio loader says what it is instead.
        var missing = rows.Where(r => !FileStatus.Of(Path.Combine(request.AudioDir, r.Fname)).Exists).ToList();
        if (missing.Count > 0 && !request.SkipInvalid)
            throw new InvalidAudioException($"listed in {Path.GetFileName(request.TrainCsv)} but not found" + (missing.Count > 1 ? $" (and {missing.Count - 1} more missing)" : ""), Path.Combine(request.AudioDir, missing[0].Fname));
        skipped.AddRange(missing.Select(m => new SkippedClip(m.Fname, "file not found")));
        rows = rows.Except(missing).ToList();

        StaleTempFiles.Remove(request.OutDir, DatasetInfo.SamplesFileName, DatasetInfo.LabelsFileName, DatasetInfo.FileName);
        FeatureConfig features = request.Features;
        int classCount = manifest.Classes.Count;
        // Fnames are unique in train.csv (TrainManifest checks), so a name finds its CSV position.
        var sourceRow = manifest.Rows.Select((r, i) => (r.Fname, i)).ToDictionary(p => p.Fname, p => p.i, StringComparer.Ordinal);
        var classIndex = manifest.Classes.Select((c, i) => (c, i)).ToDictionary(p => p.c, p => p.i, StringComparer.Ordinal);

        var stopwatch = Stopwatch.StartNew();
        var kept = new List<(TrainRow Row, int Frames)>(rows.Count);
        var truncated = new List<string>();
        var shortRead = new List<string>();
        double audioSeconds = 0;

        using var samples = new NpyRowWriter(samplesPath, request.Dtype, features.MaxFrames, features.MelCount);
        using var labels = new NpyRowWriter(labelsPath, request.Dtype, classCount);
        using var extractors = LogMelExtractor.PerThread(features);
        var row = new float[features.MaxFrames * features.MelCount];
        var oneHot = new float[classCount];
        int done = 0;
        // Progress in audio seconds, also while a long clip decodes (AudioSecondsMeter.ReportDue paces it).
        var meter = progress is null ? null : new AudioSecondsMeter(rows.Select(r => Path.Combine(request.AudioDir, r.Fname)).ToList(), features.SampleRate);
        var gate = new object();
        void Report(bool always)
        {
            if (!always && !meter!.ReportDue()) return;
            lock (gate)
            {
                double decoded = meter?.DecodedSeconds ?? 0;
                progress!.Report(new ExtractionProgress(done, rows.Count, audioSeconds, stopwatch.Elapsed, decoded, done == rows.Count ? decoded : meter?.TotalSeconds ?? 0));
            }
        }
        var results = OrderedParallel.Map(Enumerable.Range(0, rows.Count).ToList(), request.Threads, request.Threads * 4, i =>
        {
            string path = Path.Combine(request.AudioDir, rows[i].Fname);
            if (meter is null) return ClipFeatures.Load(extractors.Value!, path, features.MaxFrames, cancel);
            var count = meter.Counter(i);
            var clip = ClipFeatures.Load(extractors.Value!, path, features.MaxFrames, cancel, n => { count(n); Report(always: false); });
            meter.Finished(i);
            return clip;
        }, cancel);
        foreach (var (trainRow, result) in rows.Zip(results))
        {
            done++;
            if (result.Error is not null)
            {
                // A stop kills ffmpeg, whose clip then fails: that is the stop, not a bad file.
                cancel.ThrowIfCancellationRequested();
                if (!request.SkipInvalid) throw result.Error;
                skipped.Add(new SkippedClip(trainRow.Fname, result.Error.Message));
            }
            else
            {
                LogMel mel = result.Mel!;
                int used = Math.Min(mel.Frames, features.MaxFrames);
                Array.Clear(row);
                mel.Values.AsSpan(0, used * features.MelCount).CopyTo(row);
                samples.WriteRow(row);
                Array.Clear(oneHot);
                oneHot[classIndex[trainRow.Label]] = 1f;
                labels.WriteRow(oneHot);
                kept.Add((trainRow, result.ClipFrames));
                if (result.ClipFrames > features.MaxFrames) truncated.Add(trainRow.Fname);
                if (result.ShortRead) shortRead.Add(trainRow.Fname);
                audioSeconds += result.Seconds;
            }
            if (progress is not null && (done % 8 == 0 || done == rows.Count)) Report(always: true);
        }
        // A stop asked for while the last clip was read must not end in complete-looking outputs and exit 0.
        cancel.ThrowIfCancellationRequested();
        if (kept.Count == 0) throw new InvalidInputException("no clip could be read, nothing to write", request.AudioDir);

        var info = new DatasetInfo
        {
            Features = features,
            Classes = manifest.Classes,
            Fnames = kept.Select(k => k.Row.Fname).ToList(),
            Frames = kept.Select(k => k.Frames).ToList(),
            Verified = kept.Select(k => k.Row.ManuallyVerified).ToList(),
            Dtype = request.Dtype,
            Shard = request.ShardCount > 1 ? $"{request.ShardIndex}/{request.ShardCount}" : null,
            SourceCsv = Path.GetFileName(request.TrainCsv),
            VerifiedOnly = request.VerifiedOnly,
            SourceRows = kept.Select(k => sourceRow[k.Row.Fname]).ToList(),
        };
        // dataset.json marks a complete set: drop the old one before replacing the arrays, write it last.
        File.Delete(datasetPath);
        samples.Commit();
        labels.Commit();
        info.Write(datasetPath);
        return new InputsResult(samplesPath, labelsPath, datasetPath, info, skipped, truncated, shortRead, audioSeconds, stopwatch.Elapsed,
            MelFilterBank.Create(features).EmptyFilterCount);
    }

}
