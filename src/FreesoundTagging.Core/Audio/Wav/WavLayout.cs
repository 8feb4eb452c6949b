namespace FreesoundTagging.Audio;

/// <summary>Where a WAV's samples are: its format and the data bytes actually present in the stream.</summary>
/// <param name="DataOffset">Stream position of the first data byte.</param>
/// <param name="DataBytes">Bytes of data present: the declared size, or less when the file ends early.</param>
/// <param name="Truncated">The data chunk declared more bytes than the file holds.</param>
internal readonly record struct WavLayout(WavFormat Format, long DataOffset, long DataBytes, bool Truncated);
