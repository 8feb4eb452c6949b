using System.Diagnostics;

namespace FreesoundTagging.Audio;

/// <summary>
/// A file decoded by ffmpeg (<see cref="FfmpegDecoder.Start"/>) and read from its pipe as ffmpeg writes it: the
/// float32 WAV on the pipe goes through <see cref="WavMonoSource"/> (over <see cref="ForwardOnlyStream"/>), so
/// memory is one block, not the clip. ffmpeg's exit code outranks the samples: any failure here first lets ffmpeg
/// finish (the rest of the pipe is discarded) and reports ffmpeg's own error when it failed, since a read error on a
/// pipe ffmpeg abandoned says less than ffmpeg does. Disposing before the end kills and reaps the process, and so does cancelling the token
/// given (the read blocked on the pipe then ends, and the caller sees the cancellation). An ffmpeg that gives nothing
/// for <see cref="StallLimit"/> while we wait on it is killed and the clip fails, so a decoder stuck in open() or in
/// a damaged file cannot hang a run.
/// </summary>
internal sealed class FfmpegMonoSource : IMonoSampleSource
{
    // ffmpeg writes 0xFFFFFFFF as the data size on a pipe; WavDataReader stops there, so more means a clip we would cut.
    private const long PipeDataLimitBytes = uint.MaxValue;

    private static readonly TimeSpan DefaultStallLimit = TimeSpan.FromSeconds(60);

    [ThreadStatic]
    private static TimeSpan? t_stallLimit;

    /// <summary>
    /// How long one read may wait on ffmpeg's pipe before ffmpeg counts as stuck: far more than a working ffmpeg needs
    /// for its next block. Per thread and read when a source opens, so a test can shorten it for its own sources only.
    /// </summary>
    internal static TimeSpan StallLimit
    {
        get => t_stallLimit ?? DefaultStallLimit;
        set => t_stallLimit = value;
    }

    private readonly TimeSpan _stallLimit = StallLimit;

    private readonly Process _process;
    private readonly WatchedPipe _watched;
    private readonly Timer _watchdog;
    private readonly CancellationToken _cancel;
    private readonly CancellationTokenRegistration _onCancel;
    private volatile bool _stalled;
    private readonly Task<string> _errors;
    private readonly ForwardOnlyStream _pipe;
    private readonly WavMonoSource _wav;
    private readonly string _path;
    private readonly AudioFormat _format;
    private readonly long _dataOffset;
    private bool _exited;
    private InvalidAudioException? _failure;

    private FfmpegMonoSource(Process process, string path, AudioFormat format, CancellationToken cancel)
    {
        _process = process;
        _path = path;
        _format = format;
        _cancel = cancel;
        _errors = process.StandardError.ReadToEndAsync();
        _watched = new WatchedPipe(process.StandardOutput.BaseStream);
        _pipe = new ForwardOnlyStream(_watched);
        var check = _stallLimit / 4 < TimeSpan.FromSeconds(1) ? _stallLimit / 4 : TimeSpan.FromSeconds(1);
        _watchdog = new Timer(_ => Watch(), null, check, check);
        _onCancel = cancel.Register(Kill);
        try
        {
            // Blocks until ffmpeg has written its header (with the first samples, or at its end).
            _wav = new WavMonoSource(_pipe, path);
            _dataOffset = _pipe.Position;
        }
        catch (InvalidAudioException e)
        {
            var failure = Finish(e) ?? e;
            Dispose();
            cancel.ThrowIfCancellationRequested();
            throw failure;
        }
        catch
        {
            Dispose();
            throw;
        }
    }

    /// <summary>Starts ffmpeg on <paramref name="path"/> and reads the WAV header it writes.</summary>
    /// <param name="format">The detected format, named in messages.</param>
    /// <param name="executable">ffmpeg's path; null means it is not installed.</param>
    /// <exception cref="InvalidAudioException">ffmpeg is missing, or cannot decode the file.</exception>
    /// <param name="cancel">Kills ffmpeg when cancelled; reading then throws <see cref="OperationCanceledException"/>.</param>
    public static FfmpegMonoSource Open(string path, AudioFormat format, string? executable, CancellationToken cancel = default)
    {
        cancel.ThrowIfCancellationRequested();
        return new(FfmpegDecoder.Start(path, format, executable), path, format, cancel);
    }

    public int SampleRate => _wav.SampleRate;

    /// <summary>Unknown (0): the header ffmpeg writes on a pipe has placeholder sizes.</summary>
    public long LengthHint => 0;

    public long Position => _wav.Position;

    /// <summary>Never: the header's sizes are placeholders, so the pipe's end is the data's end.</summary>
    public bool Truncated => false;

    /// <summary>The ffmpeg process's id, while it runs or until it is reaped.</summary>
    internal int ProcessId => _process.Id;

    public int Read(Span<float> destination)
    {
        if (_failure is not null) throw _failure;
        if (destination.IsEmpty || _exited) return 0;
        int got;
        try
        {
            got = _wav.Read(destination);
        }
        catch (InvalidAudioException e)
        {
            var failure = Finish(e) ?? e;
            _cancel.ThrowIfCancellationRequested();
            throw failure;
        }
        if (got > 0) return got;
        var end = Finish(null);
        _cancel.ThrowIfCancellationRequested();
        if (end is not null) throw end;
        return 0;
    }

    /// <summary>
    /// Reads the pipe to its end, waits for ffmpeg and decides the clip's outcome: ffmpeg's error if it failed or
    /// wrote nothing, else <paramref name="readError"/> (null: the clip is good).
    /// </summary>
    private InvalidAudioException? Finish(InvalidAudioException? readError)
    {
        long rest = 0;
        try
        {
            var pipe = _watched;
            var discard = new byte[16 * 1024];
            int got;
            while ((got = pipe.Read(discard)) > 0) rest += got;
        }
        catch (IOException e)
        {
            readError ??= new InvalidAudioException($"read failed: {e.Message}", _path, e);
        }
        _process.WaitForExit();
        _exited = true;
        string stderr = _errors.GetAwaiter().GetResult();
        if (_stalled)
            _failure = new InvalidAudioException($"ffmpeg gave no output for {_stallLimit.TotalSeconds:0.#} s and was stopped (a damaged file, or one that names other files)", _path);
        else if (_process.ExitCode != 0 || _pipe.BytesRead + rest == 0)
            _failure = FfmpegDecoder.Failed(_path, _format, _process.ExitCode, stderr);
        else if (readError is null && rest > 0 && _pipe.BytesRead + rest - _dataOffset > PipeDataLimitBytes)
            _failure = new InvalidAudioException($"too long to decode through ffmpeg: more than {PipeDataLimitBytes} bytes of samples", _path);
        else
            _failure = readError;
        return _failure;
    }

    private void Watch()
    {
        if (_watched.WaitingSince is long since && Environment.TickCount64 - since > _stallLimit.TotalMilliseconds)
        {
            _stalled = true;
            Kill();
        }
    }

    // From the watchdog's or the cancelling thread: only the kill, which ends the read blocked on the pipe.
    private void Kill()
    {
        try
        {
            _process.Kill();
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // It had already exited, or was reaped.
        }
    }

    public void Dispose()
    {
        _onCancel.Dispose();
        _watchdog.Dispose();
        if (!_exited)
        {
            try
            {
                _process.Kill();
            }
            catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // It had already exited.
            }
            _process.WaitForExit();
            _exited = true;
            try
            {
                _errors.GetAwaiter().GetResult();
            }
            catch (Exception e) when (e is IOException or ObjectDisposedException)
            {
                // Its stderr is not wanted any more.
            }
        }
        _wav?.Dispose();
        _process.Dispose();
    }

    /// <summary>ffmpeg's output pipe, telling since when a read has been waiting on it.</summary>
    private sealed class WatchedPipe(Stream inner) : Stream
    {
        private long _waitingSince;

        /// <summary>Environment.TickCount64 when the read now blocked began; null when none is.</summary>
        public long? WaitingSince => Interlocked.Read(ref _waitingSince) is var t && t != 0 ? t : null;

        public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

        public override int Read(Span<byte> buffer)
        {
            Interlocked.Exchange(ref _waitingSince, Math.Max(1, Environment.TickCount64));
            try
            {
                return inner.Read(buffer);
            }
            finally
            {
                Interlocked.Exchange(ref _waitingSince, 0);
            }
        }

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
