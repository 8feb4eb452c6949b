using NVorbis;

namespace FreesoundTagging.Audio;

/// <summary>
/// An Ogg Vorbis file decoded by NVorbis as it is read, in <see cref="VorbisDecoder"/>'s blocks, and averaged to
/// mono: the bits <see cref="VorbisDecoder.Read"/> then <see cref="AudioClip.ToMono"/> give, with the same errors.
/// </summary>
internal sealed class VorbisMonoSource : BlockDecodedMonoSource
{
    private readonly Stream _stream;
    private readonly VorbisStream _reader;

    private VorbisMonoSource(Stream stream, VorbisStream reader, long lengthHint, string? path)
        : base(reader.Channels, reader.SampleRate, VorbisDecoder.BlockSize(reader.Channels), 0, long.MaxValue, path)
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
            throw VorbisDecoder.Malformed(e, path);
        }
    }

    protected override int Decode(float[] buffer, int offset, int count) => _reader.ReadSamples(buffer, offset, count);

    protected override InvalidAudioException Malformed(Exception e) => VorbisDecoder.Malformed(e, FilePath);

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
