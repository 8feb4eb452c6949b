using NVorbis;

namespace FreesoundTagging.Audio;

/// <summary>
/// Ogg Vorbis decoded by NVorbis (managed, MIT; through <see cref="VorbisStream"/>) as it is read, and averaged
/// to mono.
/// </summary>
internal sealed class VorbisMonoSource : BlockDecodedMonoSource
{
    private const int BlockSamples = 16 * 1024;

    private readonly Stream _stream;
    private readonly VorbisStream _reader;

    private VorbisMonoSource(Stream stream, VorbisStream reader, long lengthHint, string? path)
        : base(reader.Channels, reader.SampleRate, BlockSize(reader.Channels), 0, long.MaxValue, path)
    {
        _stream = stream;
        _reader = reader;
        LengthHint = lengthHint;
    }

    /// <summary>The last page's granule position: the length a complete decode gives.</summary>
    public override long LengthHint { get; }

    /// <summary>Reads the stream's headers now; takes ownership of <paramref name="stream"/> (seekable), also when it throws.</summary>
    /// <exception cref="InvalidAudioException">Not a Vorbis stream NVorbis can decode.</exception>
    public static VorbisMonoSource Open(Stream stream, string? path)
    {
        VorbisStream? reader = null;
        try
        {
            reader = new VorbisStream(stream);
            int channels = reader.Channels, rate = reader.SampleRate;
            if (channels <= 0 || rate <= 0) throw new InvalidAudioException($"malformed Ogg Vorbis: {channels} channels at {rate} Hz", path);
            return new VorbisMonoSource(stream, reader, TotalSamples(path, stream.Length), path);
        }
        catch (Exception e)
        {
            reader?.Dispose();
            stream.Dispose();
            if (e is InvalidAudioException or OutOfMemoryException) throw;
            throw Malformed(e, path);
        }
    }

    protected override int Decode(float[] buffer, int offset, int count) => _reader.ReadSamples(buffer, offset, count);

    protected override InvalidAudioException Malformed(Exception e) => Malformed(e, FilePath);

    /// <summary>Interleaved samples asked of NVorbis per call: whole frames.</summary>
    internal static int BlockSize(int channels) => BlockSamples - BlockSamples % channels;

    // NVorbis reports bad data with whatever exception its parser hits; to the user it is one thing.
    private static InvalidAudioException Malformed(Exception e, string? path) =>
        new($"malformed or truncated Ogg Vorbis ({e.Message})", path, e);

    protected override void DisposeDecoder()
    {
        _reader.Dispose();
        _stream.Dispose();
    }

    // Far more than real Vorbis codes in a byte (about 10 frames at its lowest quality); a granule past it is damage.
    private const int MostFramesPerByte = 64;

    // Only sizes the log-mel up front, from a second reader on its own stream: finding the last granule makes
    // NVorbis read every page header, and on a damaged file doing that first changes where the decode stops. A long
    // silence can code more densely than the bound: its log-mel is then built without a size, in chunks.
    private static long TotalSamples(string? path, long streamBytes)
    {
        if (path is null) return 0;
        try
        {
            using var probe = new VorbisReader(new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 4096, FileOptions.SequentialScan), closeOnDispose: true);
            long total = probe.TotalSamples;
            return total >= 0 && total <= streamBytes * MostFramesPerByte ? total : 0;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return 0;
        }
    }
}
