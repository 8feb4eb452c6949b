using NLayer;

namespace FreesoundTagging.Audio;

/// <summary>
/// MPEG audio layers I-III (MP3) decoded by NLayer (managed, MIT) as it is read, averaged to mono, with
/// <see cref="MpegGapless"/>'s trim applied on the way (the header gives both ends: the encoder delay is dropped
/// as it arrives, and decoding stops handing out samples after the length it records). A file cut short keeps what
/// it has and is flagged as truncated (its header promised more frames).
/// </summary>
internal sealed class MpegMonoSource : BlockDecodedMonoSource
{
    /// <summary>Interleaved samples asked of NLayer per call.</summary>
    internal const int BlockSamples = 16 * 1152;

    private readonly Stream _stream;
    private readonly MpegFile _file;

    // The densest layer III coding: 8 kbit/s MPEG-2 at 24 kHz, 576 frames in 24 bytes; with room to spare.
    private const int MostFramesPerByte = 32;

    private MpegMonoSource(Stream stream, MpegFile file, MpegGapless? gapless, string? path)
        : base(file.Channels, file.SampleRate, BlockSamples, gapless?.SkipFrames ?? 0, gapless?.KeepFrames ?? long.MaxValue, path)
    {
        _stream = stream;
        _file = file;
        // Without a gapless header the length is not recorded anywhere short of decoding it. A header claiming more
        // than the file could hold is damaged: sizing the log-mel from it would only waste memory.
        long keep = gapless?.KeepFrames ?? 0;
        LengthHint = keep <= stream.Length * MostFramesPerByte ? keep : 0;
    }

    public override long LengthHint { get; }

    /// <summary>Reads the gapless header and the first frames now; takes ownership of <paramref name="stream"/> (seekable), also when it throws.</summary>
    /// <exception cref="InvalidAudioException">No MPEG audio frames NLayer can decode.</exception>
    public static MpegMonoSource Open(Stream stream, string? path)
    {
        MpegFile? file = null;
        try
        {
            var gapless = MpegGapless.Read(stream);
            file = new MpegFile(stream);
            if (file.Channels <= 0 || file.SampleRate <= 0) throw new InvalidAudioException("no MPEG audio frames found", path);
            return new MpegMonoSource(stream, file, gapless, path);
        }
        catch (Exception e)
        {
            file?.Dispose();
            stream.Dispose();
            if (e is InvalidAudioException or OutOfMemoryException) throw;
            throw Malformed(e, path);
        }
    }

    protected override int Decode(float[] buffer, int offset, int count) => _file.ReadSamples(buffer, offset, count);

    protected override InvalidAudioException Malformed(Exception e) => Malformed(e, FilePath);

    // NLayer reports bad data with whatever exception its parser hits; to the user it is one thing.
    private static InvalidAudioException Malformed(Exception e, string? path) =>
        new($"malformed or truncated MP3 ({e.Message})", path, e);

    protected override void DisposeDecoder()
    {
        _file.Dispose();
        _stream.Dispose();
    }
}
