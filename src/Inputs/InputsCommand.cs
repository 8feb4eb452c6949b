using System.CommandLine;
using FreesoundTagging.CommandLine;
using FreesoundTagging.Datasets;
using FreesoundTagging.Features;
using FreesoundTagging.IO;
using FreesoundTagging.Jobs;

namespace FreesoundTagging.Inputs;

/// <summary><c>inputs &lt;audio_train_dir&gt; &lt;train.csv&gt;</c>: audio clips → samples.npy, labels.npy, dataset.json.</summary>
public static class InputsCommand
{
    public static int Run(string[] args) => CommandRunner.Invoke(Create(), args);

    public static RootCommand Create()
    {
        var options = new InputsCommandOptions();
        var command = new RootCommand("Turn a folder of audio clips and train.csv into log-mel arrays for training (numpy .npy).");
        options.AddTo(command);
        command.SetAction(parse => CommandRunner.Run(cancel =>
        {
            var request = options.Request(parse);
            // The bar and its time left count audio seconds, decoded: a long clip moves it as it is read.
            var result = ProgressDisplay.Run("inputs", report => DatasetBuilder.Build(request,
                new InlineProgress<ExtractionProgress>(p => report(p.DecodedSeconds, p.TotalSeconds,
                    $"{p.Done}/{p.Total} clips, {p.DecodedSeconds / Math.Max(p.Elapsed.TotalSeconds, 1e-9):0.0} audio-s/s")), cancel), unit: "audio-s");
            Summarise(result);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static void Summarise(InputsResult r)
    {
        foreach (var s in r.Skipped.Take(10)) CommandRunner.Warning($"skipped {s.Fname}: {s.Reason}");
        if (r.Skipped.Count > 10) CommandRunner.Warning($"skipped {r.Skipped.Count - 10} more clips");
        if (r.TruncatedClips.Count > 0)
            CommandRunner.Warning($"{r.TruncatedClips.Count} clip(s) longer than {r.Dataset.Features.MaxFrames} frames were truncated (e.g. {string.Join(", ", r.TruncatedClips.Take(3))}); raise --max-frames to keep them whole");
        if (r.EmptyMelBands > 0 && r.Dataset.Features is var f)
            CommandRunner.Warning($"{r.EmptyMelBands} of {f.MelCount} mel bands cover no FFT bin (FFT {f.FftSize} at {f.SampleRate} Hz, {f.FMinHz:0.###}-{f.FMaxHz:0.###} Hz) and are constant; use fewer --mels, a larger --n-fft or a higher --fmin");
        if (r.ShortReadClips.Count > 0)
            CommandRunner.Warning($"{r.ShortReadClips.Count} file(s) end inside their data chunk and were read as far as they go (e.g. {string.Join(", ", r.ShortReadClips.Take(3))})");
        var d = r.Dataset;
        double wall = Math.Max(r.Elapsed.TotalSeconds, 1e-9);
        Console.WriteLine($"wrote {r.SamplesPath} ({d.RowCount}, {d.Features.MaxFrames}, {d.Features.MelCount}) {d.Dtype.Name()}");
        Console.WriteLine($"wrote {r.LabelsPath} ({d.RowCount}, {d.Classes.Count}) one-hot over {d.Classes.Count} classes");
        Console.WriteLine($"wrote {r.DatasetPath}");
        Console.WriteLine($"{d.RowCount} clips, {r.AudioSeconds / 60:0.0} min of audio in {Terminal.Duration(r.Elapsed)} ({d.RowCount / wall:0.0} clips/s, {r.AudioSeconds / wall:0} audio-s per s)");
    }
}
