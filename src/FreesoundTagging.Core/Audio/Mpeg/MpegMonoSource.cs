using NLayer;

namespace FreesoundTagging.Audio;

/// <summary>
/// An MP3 decoded by NLayer as it is read, in <see cref="MpegDecoder"/>'s blocks, averaged to mono, with
/// <see cref="MpegGapless"/>'s trim applied on the way (the header gives both ends: the encoder delay is dropped
/// as it arrives, and decoding stops handing out samples after the length it records). The samples, the
/// truncation flag and the errors are those of <see cref="MpegDecoder.Read"/> then <see cref="AudioClip.ToMono"/>.
/// </summary>
internal sealed class MpegMonoSource : BlockDecodedMonoSource
{
    private readonly Stream _stream;
    private readonly MpegFile _file;

    // The densest layer III coding: 8 kbit/s MPEG-2 at 24 kHz, 576 frames in 24 bytes; with room to spare.
    private const int MostFramesPerByte = 32;

    private MpegMonoSource(Stream stream, MpegFile file, MpegGapless? gapless, string? path)
        : base(file.Channels, file.SampleRate, MpegDecoder.BlockSamples, gapless?.SkipFrames ?? 0, gapless?.KeepFrames ?? long.MaxValue, path)
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
            if (file.Channels <= 0 || file.SampleRate <= 0) throw MpegDecoder.NoFrames(path);
            return new MpegMonoSource(stream, file, gapless, path);
        }
        catch (Exception e)
        {
            file?.Dispose();
            stream.Dispose();
            if (e is InvalidAudioException or OutOfMemoryException) throw;
            throw MpegDecoder.Malformed(e, path);
        }
    }

    protected override int Decode(float[] buffer, int offset, int count) => _file.ReadSamples(buffer, offset, count);

    protected override InvalidAudioException Malformed(Exception e) => MpegDecoder.Malformed(e, FilePath);

    protected override void DisposeDecoder()
    {
        _file.Dispose();
        _stream.Dispose();
    }
}
