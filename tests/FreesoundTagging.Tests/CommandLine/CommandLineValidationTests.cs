using FreesoundTagging.Inputs;
using FreesoundTagging.Model;
using FreesoundTagging.Predict;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.CommandLine;

/// <summary>Option values are checked by the parser (exit 2, in plain words, naming the option), unknown options are
/// errors, and the messages say what is really wrong (a file where a folder belongs, the audio before the model, a
/// huge file name).</summary>
[Collection(TorchCollection.Name)]
public class CommandLineValidationTests
{
    private static Func<string[], int> Command(string name) => name switch
    {
        "inputs" => InputsCommand.Run,
        "model" => ModelCommand.Run,
        _ => PredictCommand.Run,
    };

    [Theory]
    [InlineData("inputs", "--shard abc", "--shard: must be K/N")]
    [InlineData("inputs", "--max-frames 100000000", "--max-frames: must be 1 to 1000000 frames (got 100000000)")]
    [InlineData("inputs", "--threads 1000", "--threads: must be 1 to")]
    [InlineData("inputs", "--threads 0", "--threads: must be 1 to")]
    [InlineData("inputs", "--dtype float16", "--dtype: must be one of float32, float64 (got float16)")]
    [InlineData("inputs", "--n-fft 1000", "--n-fft: must be a power of two from 16 to 65536 (got 1000)")]
    [InlineData("inputs", "--mels 0", "--mels: must be 1 to 4096 bands (got 0)")]
    [InlineData("inputs", "--hop 0", "--hop: must be 1 to 65536 samples (got 0)")]
    [InlineData("inputs", "--sample-rate 100", "--sample-rate: must be 1000 to 768000 Hz (got 100)")]
    [InlineData("inputs", "--fmin nan", "--fmin: must be a number from 0 to 384000 (got nan)")]
    [InlineData("inputs", "--pad-mode zero", "--pad-mode: must be one of reflect, constant (got zero)")]
    [InlineData("inputs", "--log-reference loudest", "--log-reference: must be one of absolute, clip-peak (got loudest)")]
    [InlineData("inputs", "--fmax 30000", "--fmax: must be at most half the sample rate, 22050 Hz at --sample-rate 44100 (got 30000)")]
    [InlineData("inputs", "--sample-rate 8000", "--fmax: must be at most half the sample rate, 4000 Hz at --sample-rate 8000 (got 7500, the default)")]
    [InlineData("inputs", "--fmin 8000", "--fmax: must be above --fmin (8000 Hz) (got 7500, the default)")]
    [InlineData("inputs", "--fmin 300 --fmax 200", "--fmax: must be above --fmin (300 Hz) (got 200)")]
    [InlineData("model", "--epochs 0", "--epochs: must be 1 to")]
    [InlineData("model", "--epochs abc", "--epochs: 'abc' is not a whole number")]
    [InlineData("model", "--batch-size 0", "--batch-size: must be 1 to")]
    [InlineData("model", "--val-fraction 1.5", "--val-fraction: must be a number from 0 to 1 (exclusive) (got 1.5)")]
    [InlineData("model", "--crop 0", "--crop: must be more than 0 and at most 600 seconds (got 0)")]
    [InlineData("model", "--crop 1000", "--crop: must be more than 0 and at most 600 seconds (got 1000)")]
    [InlineData("model", "--score-window 0", "--score-window: must be more than 0 and at most 600 seconds (got 0)")]
    [InlineData("model", "--mixup -1", "--mixup: must be a number from 0 to 100 (got -1)")]
    [InlineData("model", "--schedule linear", "--schedule: must be one of constant, cosine (got linear)")]
    [InlineData("model", "--lr nan", "--lr: must be a positive number (got nan)")]
    [InlineData("model", "--lr x", "--lr: 'x' is not a number")]
    [InlineData("model", "--folds 1", "--folds: must be 0 (none) or 2 to 100 (got 1)")]
    [InlineData("model", "--unverified-weight 2", "--unverified-weight: must be a number from 0 to 1 (got 2)")]
    [InlineData("model", "--device gpu", "--device: must be auto, cpu, cuda or cuda:N (got gpu)")]
    [InlineData("model", "--data d --bogus", "unknown option '--bogus'")]
    [InlineData("model", "--members 0", "--members: must be 1 to 64 networks (got 0)")]
    [InlineData("model", "--members 65", "--members: must be 1 to 64 networks (got 65)")]
    [InlineData("model", "--label-smoothing 1", "--label-smoothing: must be a number from 0 to 1 (exclusive) (got 1)")]
    [InlineData("model", "--windows-per-crop 0", "--windows-per-crop: must be 1 to 64 windows (got 0)")]
    [InlineData("model", "--ema 1", "--ema: must be a number from 0 to 1 (exclusive) (got 1)")]
    [InlineData("model", "--band-shift 65", "--band-shift: must be 0 to 64 bands (got 65)")]
    [InlineData("model", "--tta-shifts 9", "--tta-shifts: must be 0 to 8 bands (got 9)")]
    [InlineData("predict", "--batch-size 0", "--batch-size: must be 1 to 4096 clips (got 0)")]
    [InlineData("predict", "--batch-size -1", "--batch-size: must be 1 to 4096 clips (got -1)")]
    [InlineData("predict", "--threads 0", "--threads: must be 1 to")]
    [InlineData("predict", "--mean median", "--mean: must be one of arithmetic, geometric (got median)")]
    [InlineData("predict", "--bogus dir", "unknown option '--bogus'")]
    [InlineData("predict", "--top-k 0", "--top-k: must be 1 to 1000 labels (got 0)")]
    [InlineData("predict", "--timeline 0", "--timeline: must be more than 0 and at most 86400 seconds (got 0)")]
    [InlineData("predict", "--timeline nan", "--timeline: must be more than 0")]
    [InlineData("predict", "--format xml", "--format: must be one of table, tsv, csv, json")]
    public void BadOptionValuesAreUsageErrorsNamingTheOption(string command, string options, string expected)
    {
        using var dir = new TempDir();
        string[] positional = command switch
        {
            "inputs" => [dir.File("audio"), dir.File("t.csv")],
            "model" => ["cnn_1d", dir.File("m.fstmodel")],
            _ => [dir.File("m.fstmodel")],
        };
        var r = ConsoleCapture.Run(Command(command), [.. positional, .. options.Split(' ')]);
        Assert.Equal(2, r.Exit);
        Assert.StartsWith($"error: {expected}", r.Err);
        Assert.DoesNotContain("Cannot parse", r.Err);
        Assert.Empty(dir.Files());
    }

    [Fact]
    public void AnUnknownOptionIsBlamedNotTheArgumentAfterIt()
    {
        var r = ConsoleCapture.Run(InputsCommand.Run, "--bogus", "a", "b");
        Assert.Equal(2, r.Exit);
        Assert.StartsWith("error: unknown option '--bogus'", r.Err);
        Assert.DoesNotContain("'b'", r.Err);
    }

    [Fact]
    public void AFileGivenAsAFolderIsCalledAFile()
    {
        using var f = new TinyRun();
        var outDir = ConsoleCapture.Run(InputsCommand.Run, f.Audio, f.TrainCsv, "--out-dir", f.TrainCsv);
        Assert.Equal(3, outDir.Exit);
        Assert.Contains("is a file, expected the folder to write the outputs in", outDir.Err);
        var audio = ConsoleCapture.Run(InputsCommand.Run, f.TrainCsv, f.TrainCsv, "--out-dir", f.Dir.Path);
        Assert.Equal(3, audio.Exit);
        Assert.Contains("is a file, expected the folder holding the audio", audio.Err);
    }

    [Fact]
    public void AudioBeforeTheModelSaysTheModelComesFirst()
    {
        using var f = new TinyRun();
        var r = ConsoleCapture.Run(PredictCommand.Run, Path.Combine(f.Audio, f.Rows[0].Fname), f.Model);
        Assert.Equal(3, r.Exit);
        Assert.Contains("is not a model file; give the model file(s) first", r.Err);
    }

    [Fact]
    public void AHugeFnameIsShortenedInMessages()
    {
        using var f = new TinyRun();
        // Under the 64 KiB row limit, so the fname itself reaches the message (refused for its length).
        File.AppendAllText(f.TrainCsv, new string('x', 60_000) + ".wav,Low,1\n");
        var r = ConsoleCapture.Run(InputsCommand.Run, f.Audio, f.TrainCsv, "--out-dir", f.Dir.Path);
        Assert.Equal(3, r.Exit);
        Assert.True(r.Err.Length < 1000, $"{r.Err.Length} characters");
        Assert.Contains("characters)...", r.Err);
    }
}
