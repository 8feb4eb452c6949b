using System.Diagnostics;

namespace FreesoundTagging.Audio;

/// <summary>
/// A file decoded by ffmpeg (<see cref="FfmpegDecoder.Start"/>) and read from its pipe as ffmpeg writes it: the
/// float32 WAV on the pipe goes through <see cref="WavMonoSource"/> (over <see cref="ForwardOnlyStream"/>), so
/// memory is one block, not the clip, and the samples are the bits of <see cref="FfmpegDecoder.Read"/> then
/// <see cref="AudioClip.ToMono"/>. Errors are that path's too: it judged ffmpeg's exit code before the samples,
/// so any failure here first lets ffmpeg finish (the rest of the pipe is discarded) and reports ffmpeg's own
/// error when it failed. Disposing before the end kills and reaps the process.
/// </summary>
internal sealed class FfmpegMonoSource : IMonoSampleSource
{
    // ffmpeg writes 0xFFFFFFFF as the data size on a pipe; WavDataReader stops there, so more means a clip we would cut.
    private const long PipeDataLimitBytes = uint.MaxValue;

    private readonly Process _process;
    private readonly Task<string> _errors;
    private readonly ForwardOnlyStream _pipe;
    private readonly WavMonoSource _wav;
    private readonly string _path;
    private readonly AudioFormat _format;
    private readonly long _dataOffset;
    private bool _exited;
    private InvalidAudioException? _failure;

    private FfmpegMonoSource(Process process, string path, AudioFormat format)
    {
        _process = process;
        _path = path;
        _format = format;
        _errors = process.StandardError.ReadToEndAsync();
        _pipe = new ForwardOnlyStream(process.StandardOutput.BaseStream);
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
    public static FfmpegMonoSource Open(string path, AudioFormat format, string? executable) =>
        new(FfmpegDecoder.Start(path, format, executable), path, format);

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
            throw Finish(e) ?? e;
        }
        if (got > 0) return got;
        var failure = Finish(null);
        if (failure is not null) throw failure;
        return 0;
    }

    /// <summary>
    /// Reads the pipe to its end, waits for ffmpeg and decides the clip's outcome as the whole-file path does:
    /// ffmpeg's error if it failed or wrote nothing, else <paramref name="readError"/> (null: the clip is good).
    /// </summary>
    private InvalidAudioException? Finish(InvalidAudioException? readError)
    {
        long rest = 0;
        try
        {
            var pipe = _process.StandardOutput.BaseStream;
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
        if (_process.ExitCode != 0 || _pipe.BytesRead + rest == 0)
            _failure = FfmpegDecoder.Failed(_path, _format, _process.ExitCode, stderr);
        else if (readError is null && rest > 0 && _pipe.BytesRead + rest - _dataOffset > PipeDataLimitBytes)
            _failure = new InvalidAudioException($"too long to decode through ffmpeg: more than {PipeDataLimitBytes} bytes of samples", _path);
        else
            _failure = readError;
        return _failure;
    }

    public void Dispose()
    {
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
}
