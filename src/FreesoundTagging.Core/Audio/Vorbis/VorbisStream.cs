using NVorbis;
using IPacketProvider = NVorbis.Contracts.IPacketProvider;
using NVorbis.Contracts;

namespace FreesoundTagging.Audio;

/// <summary>
/// NVorbis's decoder for the first Vorbis stream of an Ogg file, with the end-of-stream trim done here instead of by
/// NVorbis. NVorbis trims the last packet by <c>(int)(last granule - decoded end)</c>: a last page that claims 2^32
/// or 2^62 samples (or fewer than the packets before the last one hold) makes that length negative, and its read loop
/// then spins for ever inside one call, out of reach of any cancellation. So the last packet's granule is hidden
/// from NVorbis and applied here: samples past it are dropped, which is NVorbis's own trim wherever that one ends.
/// </summary>
internal sealed class VorbisStream : IDisposable
{
    private readonly NVorbis.Ogg.ContainerReader _container;
    private readonly EndGranuleHidden _packets;
    private readonly StreamDecoder _reader;
    private long _framesOut;

    /// <summary>Reads the stream's headers; does not own <paramref name="stream"/>.</summary>
    /// <exception cref="InvalidDataException">Not an Ogg Vorbis stream NVorbis can read (or another NVorbis exception).</exception>
    public VorbisStream(Stream stream)
    {
        _container = new NVorbis.Ogg.ContainerReader(stream, closeOnDispose: false);
        try
        {
            IPacketProvider? first = null;
            _container.NewStreamCallback = p =>
            {
                first ??= p;
                return true;
            };
            if (!_container.TryInit() || first is null) throw new InvalidDataException("Could not load the specified container!");
            _packets = new EndGranuleHidden(first);
            _reader = new StreamDecoder(_packets) { ClipSamples = true };
        }
        catch
        {
            _container.Dispose();
            throw;
        }
    }

    public int Channels => _reader.Channels;

    public int SampleRate => _reader.SampleRate;

    /// <summary>NVorbis's VorbisReader.ReadSamples (interleaved, whole frames), ending at the last page's granule position.</summary>
    public int ReadSamples(float[] buffer, int offset, int count)
    {
        int channels = _reader.Channels;
        int frames = _reader.Read(buffer.AsSpan(), offset, count) / channels;
        if (_packets.EndGranule is long end)
        {
            // NVorbis counts positions from the first granule it saw; the last granule is in the same frame of reference.
            long start = _reader.SamplePosition - (_framesOut + frames);
            long left = Math.Max(0, end - start - _framesOut);
            if (left < frames) frames = (int)left;
        }
        _framesOut += frames;
        return frames * channels;
    }

    public void Dispose()
    {
        _reader.Dispose();
        _container.Dispose();
    }

    /// <summary>The stream's packets as they are, except that the end-of-stream packet shows no granule position.</summary>
    private sealed class EndGranuleHidden(IPacketProvider inner) : IPacketProvider
    {
        /// <summary>The end-of-stream packet's granule position, once it has been read.</summary>
        public long? EndGranule { get; private set; }

        public bool CanSeek => inner.CanSeek;

        public int StreamSerial => inner.StreamSerial;

        public IPacket GetNextPacket() => Hide(inner.GetNextPacket(), record: true);

        public IPacket PeekNextPacket() => Hide(inner.PeekNextPacket(), record: false);

        public long SeekTo(long granulePos, int preRoll, GetPacketGranuleCount getPacketGranuleCount) => inner.SeekTo(granulePos, preRoll, getPacketGranuleCount);

        public long GetGranuleCount() => inner.GetGranuleCount();

        private IPacket Hide(IPacket packet, bool record)
        {
            if (packet is null || !packet.IsEndOfStream) return packet!;
            if (record) EndGranule = packet.GranulePosition;
            return new WithoutGranule(packet);
        }
    }

    private sealed class WithoutGranule(IPacket inner) : IPacket
    {
        public long? GranulePosition => null;
        public bool IsResync => inner.IsResync;
        public bool IsShort => inner.IsShort;
        public bool IsEndOfStream => inner.IsEndOfStream;
        public int BitsRead => inner.BitsRead;
        public int BitsRemaining => inner.BitsRemaining;
        public int ContainerOverheadBits => inner.ContainerOverheadBits;
        public ulong TryPeekBits(int count, out int bitsRead) => inner.TryPeekBits(count, out bitsRead);
        public void SkipBits(int count) => inner.SkipBits(count);
        public ulong ReadBits(int count) => inner.ReadBits(count);
        public void Done() => inner.Done();
        public void Reset() => inner.Reset();
    }
}
