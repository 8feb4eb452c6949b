using FreesoundTagging.Audio;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.Audio;

/// <summary>The pipe adapter lets the WAV reader walk a header it cannot seek in, as ffmpeg's output arrives.</summary>
public class ForwardOnlyStreamTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(100)]
    [InlineData(20_000)]
    public void AWavOnAPipeReadsAsTheSameBytesInMemory(int listBytes)
    {
        // ffmpeg's layout: placeholder sizes, a LIST chunk (its tags; a large one is skipped past the kept head).
        var values = Enumerable.Range(0, 2 * 30_001).Select(i => MathF.Sin(i * 0.01f)).ToArray();
        byte[] wav = new WavBuilder().Header(riffSize: uint.MaxValue).Fmt(WavBuilder.IeeeFloat, 2, 48000, 32)
            .Chunk("LIST", new byte[listBytes]).Chunk("data", WavBuilder.Float32(values), declaredSize: uint.MaxValue).ToArray();
        float[] expected = WholeClipDecoder.ReadWav(new MemoryStream(wav)).ToMono();

        using var source = new WavMonoSource(new ForwardOnlyStream(new PipeLike(wav)), "x.flac");

        Assert.Equal(expected, SourceReading.ReadAll(source, new Random(listBytes)));
        Assert.Equal(48000, source.SampleRate);
    }

    [Fact]
    public void OnlyTheKeptHeadCanBeReadAgain()
    {
        byte[] bytes = Enumerable.Range(0, 3 * ForwardOnlyStream.HeadBytes).Select(i => (byte)i).ToArray();
        using var stream = new ForwardOnlyStream(new PipeLike(bytes));
        var buffer = new byte[10];

        stream.Position = 2 * ForwardOnlyStream.HeadBytes;
        Assert.Equal(10, stream.ReadAtLeast(buffer, 10));
        Assert.Equal(bytes.AsSpan(2 * ForwardOnlyStream.HeadBytes, 10).ToArray(), buffer);

        stream.Position = 7;
        Assert.Equal(10, stream.ReadAtLeast(buffer, 10));
        Assert.Equal(bytes.AsSpan(7, 10).ToArray(), buffer);

        stream.Position = ForwardOnlyStream.HeadBytes + 5;
        Assert.Throws<IOException>(() => stream.ReadAtLeast(buffer, 10));
    }

    /// <summary>A stream that can only be read forward, like a pipe.</summary>
    private sealed class PipeLike(byte[] bytes) : Stream
    {
        private readonly MemoryStream _inner = new(bytes);

        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position
        {
            get => throw new NotSupportedException();
            set => throw new NotSupportedException();
        }

        // At most 1,000 bytes per read, as a pipe returns what has arrived.
        public override int Read(byte[] buffer, int offset, int count) => _inner.Read(buffer, offset, Math.Min(count, 1000));

        public override void Flush()
        {
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
