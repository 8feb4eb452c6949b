using FreesoundTagging.Audio;

namespace FreesoundTagging.Features;

/// <summary>
/// Progress through a set of clips in audio seconds rather than files, so that one long recording among short ones
/// (or alone) moves the bar as it is decoded. The total is known before any decoding: a WAV's length from its
/// header; other formats, whose length costs a decode (or an ffmpeg run) to learn, are estimated from their size at
/// 128 kbit/s. As each clip finishes, its estimate is replaced by what it really held, so the total is exact at the end.
/// </summary>
public sealed class AudioSecondsMeter
{
    /// <summary>Bytes per second assumed for a compressed file until it is decoded (128 kbit/s).</summary>
    public const double CompressedBytesPerSecond = 16_000;

    private readonly double[] _expected;
    private readonly long[] _samples;
    private readonly int _rate;
    private long _decoded;
    private double _correction;
    private readonly TimeProvider _time;
    private readonly long _start;
    // Nothing from the decode threads in the first second (a short run, or one that fails at once, shows no progress
    // line before its result); after that at most every 0.2 s.
    private long _nextReportTicks = TimeSpan.TicksPerSecond;

    /// <param name="sampleRate">The rate the clips are decoded at (the features' rate): what the counts are in.</param>
    /// <param name="time">The clock that paces <see cref="ReportDue"/> (the system's unless a test moves its own).</param>
    public AudioSecondsMeter(IReadOnlyList<string> paths, int sampleRate, TimeProvider? time = null)
    {
        _time = time ?? TimeProvider.System;
        _start = _time.GetTimestamp();
        _rate = sampleRate;
        _expected = paths.Select(ExpectedSeconds).ToArray();
        _samples = new long[paths.Count];
        TotalAtStart = _expected.Sum();
    }

    /// <summary>Whether a report from a decode thread is due now (true for one caller at a time, at most every 0.2 s).</summary>
    public bool ReportDue()
    {
        long now = _time.GetElapsedTime(_start).Ticks, due = Interlocked.Read(ref _nextReportTicks);
        return now >= due && Interlocked.CompareExchange(ref _nextReportTicks, now + TimeSpan.TicksPerSecond / 5, due) == due;
    }

    /// <summary>The expected audio seconds of all clips, before any was decoded.</summary>
    public double TotalAtStart { get; }

    /// <summary>The expected total, corrected by every clip finished so far; never below what was decoded (a clip
    /// longer than its estimate must not show the whole set as done before it is).</summary>
    public double TotalSeconds
    {
        get
        {
            double decoded = DecodedSeconds;
            lock (_expected) return Math.Max(TotalAtStart + _correction, decoded + 1e-3);
        }
    }

    public double DecodedSeconds => Interlocked.Read(ref _decoded) / (double)_rate;

    /// <summary>The counter to hand to clip <paramref name="index"/>'s decode (see <see cref="ClipFeatures.Load"/>).</summary>
    public Action<int> Counter(int index) => n =>
    {
        Interlocked.Add(ref _samples[index], n);
        Interlocked.Add(ref _decoded, n);
    };

    /// <summary>Clip <paramref name="index"/> is decoded (or failed): its estimate gives way to what it held.</summary>
    public void Finished(int index)
    {
        lock (_expected) _correction += Interlocked.Read(ref _samples[index]) / (double)_rate - _expected[index];
    }

    private static double ExpectedSeconds(string path)
    {
        try
        {
            // Never opened unless regular: a FIFO would block here.
            if (IO.RegularFile.Problem(path, "an audio file") is not null) return 0;
            if (AudioDecoder.DetectFormat(path).Decoder != AudioDecoderKind.Wav) return new FileInfo(path).Length / CompressedBytesPerSecond;
            using var source = AudioDecoder.OpenMono(path);
            return source.LengthHint / (double)Math.Max(1, source.SampleRate);
        }
        catch (Exception e) when (e is InvalidInputException or IOException or UnauthorizedAccessException)
        {
            // Its decode will fail and say why; it adds nothing to wait for.
            return 0;
        }
    }
}
