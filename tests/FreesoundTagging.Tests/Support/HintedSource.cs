using FreesoundTagging.Audio;

namespace FreesoundTagging.Tests.Support;

/// <summary>A source whose length hint is what the test says, as a cut-short file's, an unknown one's or a lying header's is.</summary>
internal sealed class HintedSource(IMonoSampleSource inner, long hint) : IMonoSampleSource
{
    public int SampleRate => inner.SampleRate;

    public long LengthHint => hint;

    public long Position => inner.Position;

    public bool Truncated => inner.Truncated;

    public int Read(Span<float> destination) => inner.Read(destination);

    public void Dispose() => inner.Dispose();
}
