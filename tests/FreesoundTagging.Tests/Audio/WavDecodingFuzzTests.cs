using System.Buffers.Binary;
using System.Diagnostics;
using FreesoundTagging.Audio;
using FreesoundTagging.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace FreesoundTagging.Tests.Audio;

/// <summary>Corrupted WAVs may only ever give a clip or <see cref="InvalidAudioException"/>, never another exception.</summary>
public class WavDecodingFuzzTests(ITestOutputHelper output)
{
    private const int Seed = 20180101;
    private const int Iterations = 20000;
    private static readonly TimeSpan Budget = TimeSpan.FromSeconds(10);

    private static readonly uint[] SizeLies = [0, 1, 2, 0x7FFFFFFF, 0x80000000, 0xFFFFFFF0, 0xFFFFFFFE, 0xFFFFFFFF];

    private static List<byte[]> Seeds()
    {
        var random = new Random(Seed);
        short[] Noise(int n) => Enumerable.Range(0, n).Select(_ => (short)random.Next(short.MinValue, short.MaxValue)).ToArray();
        return
        [
            WavBuilder.MonoPcm16(Noise(300)),
            new WavBuilder().Chunk("LIST", new byte[11]).Fmt(WavBuilder.Pcm, 2, 22050, 24).Data(WavBuilder.Pcm24(Enumerable.Range(-150, 300).Select(i => i * 9000).ToArray())).ToArray(),
            new WavBuilder().Fmt(WavBuilder.IeeeFloat, 1, 48000, 32).Chunk("fact", new byte[4]).Data(WavBuilder.Float32(Enumerable.Range(0, 200).Select(i => MathF.Sin(i / 7f)).ToArray())).ToArray(),
            new WavBuilder().Data(WavBuilder.Float64(Enumerable.Range(0, 100).Select(i => Math.Cos(i / 3.0)).ToArray())).Fmt(WavBuilder.IeeeFloat, 1, 8000, 64).ToArray(),
            new WavBuilder().FmtExtensible(WavBuilder.Pcm, 6, 44100, 8).Data(Enumerable.Range(0, 301).Select(i => (byte)i).ToArray()).Chunk("junk", [1, 2, 3]).ToArray(),
            new WavBuilder().Fmt(WavBuilder.Pcm, 3, 96000, 32).Data(WavBuilder.Pcm32(Enumerable.Range(0, 150).Select(i => i * 14_000_000).ToArray())).ToArray(),
        ];
    }

    [Fact]
    public void MutatedWavsGiveAClipOrInvalidAudioOnly()
    {
        var seeds = Seeds();
        foreach (var seed in seeds) Assert.NotNull(WholeClipDecoder.ReadWav(new MemoryStream(seed)));

        var random = new Random(Seed);
        var clock = Stopwatch.StartNew();
        int iterations = 0, clips = 0, rejected = 0, truncated = 0;
        var messages = new SortedDictionary<string, int>();
        while (iterations < Iterations && clock.Elapsed < Budget)
        {
            byte[] bytes = seeds[random.Next(seeds.Count)];
            var applied = new List<string>();
            int mutations = 1 + random.Next(3);
            for (int m = 0; m < mutations; m++) bytes = Mutate(bytes, random, applied);
            iterations++;
            try
            {
                var clip = WholeClipDecoder.ReadWav(new MemoryStream(bytes), "fuzz.wav");
                clips++;
                if (clip.Truncated) truncated++;
                Assert.Equal(0, clip.Samples.Length % clip.ChannelCount);
                Assert.True(clip.Samples.Length * 1L <= bytes.Length, "more samples than bytes");
                Assert.All(clip.Samples, s => Assert.True(float.IsFinite(s)));
                clip.ToMono();
            }
            catch (InvalidAudioException e)
            {
                rejected++;
                // Group by the message's leading words, before any number or name that varies.
                var words = e.Message["fuzz.wav: ".Length..].Split(' ').TakeWhile(w => !w.Any(c => char.IsDigit(c) || c is '\'' or ':' or '('));
                string kind = string.Join(' ', words.Take(5));
                messages[kind] = messages.GetValueOrDefault(kind) + 1;
            }
            catch (Exception e)
            {
                Assert.Fail($"iteration {iterations} ({string.Join(", ", applied)}): {e.GetType().Name}: {e.Message}\n{e.StackTrace}");
            }
        }
        output.WriteLine($"{iterations} mutated files in {clock.Elapsed.TotalSeconds:F1} s: {clips} clips ({truncated} truncated), {rejected} rejected");
        foreach (var (kind, count) in messages) output.WriteLine($"  {count,5}  {kind}");
        Assert.True(iterations >= 1000, $"only {iterations} iterations ran within {Budget}");
        Assert.True(clips > 0 && rejected > 0, "the mutations should produce both outcomes");
    }

    private static byte[] Mutate(byte[] source, Random random, List<string> applied)
    {
        byte[] bytes = (byte[])source.Clone();
        // Headers are where parsers break, so most mutations land in the first 64 bytes.
        int Position(int length) => random.Next(2) == 0 ? random.Next(Math.Min(64, length)) : random.Next(length);
        switch (random.Next(7))
        {
            case 0 when bytes.Length > 0:
            {
                int at = Position(bytes.Length);
                int bit = random.Next(8);
                bytes[at] ^= (byte)(1 << bit);
                applied.Add($"flip bit {bit} of byte {at}");
                return bytes;
            }
            case 1 when bytes.Length > 0:
            {
                int at = Position(bytes.Length);
                bytes[at] = (byte)random.Next(256);
                applied.Add($"byte {at} = {bytes[at]}");
                return bytes;
            }
            case 2:
            {
                int length = random.Next(bytes.Length + 1);
                applied.Add($"truncate to {length}");
                return bytes[..length];
            }
            case 3:
            {
                // Lie in a chunk size field (or the RIFF size), or anywhere when none is left.
                var sizeFields = ChunkSizeOffsets(bytes);
                int at = sizeFields.Count > 0 && random.Next(4) > 0 ? sizeFields[random.Next(sizeFields.Count)] : Position(bytes.Length);
                if (at + 4 > bytes.Length) return bytes;
                uint lie = random.Next(3) == 0 ? (uint)random.NextInt64(0, 1L << 32) : SizeLies[random.Next(SizeLies.Length)];
                BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(at), lie);
                applied.Add($"size at {at} = 0x{lie:X}");
                return bytes;
            }
            case 4:
            {
                // Duplicate a chunk-sized range somewhere else (a second fmt or data, or a repeated header).
                int from = random.Next(bytes.Length + 1);
                int count = random.Next(Math.Min(64, bytes.Length - from) + 1);
                int to = random.Next(bytes.Length + 1);
                applied.Add($"copy [{from}, {from + count}) to {to}");
                return [.. bytes[..to], .. bytes.AsSpan(from, count), .. bytes[to..]];
            }
            case 5 when bytes.Length >= 36:
            {
                // A 16-bit field of fmt: tag, channels, block align or bits per sample.
                int at = 20 + 2 * random.Next(8);
                ushort value = random.Next(2) == 0 ? (ushort)random.Next(65536) : new ushort[] { 0, 1, 3, 8, 24, 64, 0xFFFE, 0xFFFF }[random.Next(8)];
                BinaryPrimitives.WriteUInt16LittleEndian(bytes.AsSpan(at), value);
                applied.Add($"fmt u16 at {at} = {value}");
                return bytes;
            }
            default:
            {
                int at = Position(bytes.Length + 1);
                int count = random.Next(1, 9);
                applied.Add($"delete {count} at {at}");
                return [.. bytes[..at], .. bytes[Math.Min(bytes.Length, at + count)..]];
            }
        }
    }

    /// <summary>Offsets of the RIFF size and of every chunk size field, found by walking the (possibly damaged) chunks.</summary>
    private static List<int> ChunkSizeOffsets(byte[] bytes)
    {
        var offsets = new List<int> { 4 };
        long position = 12;
        while (position + 8 <= bytes.Length)
        {
            offsets.Add((int)position + 4);
            uint size = BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan((int)position + 4));
            position += 8 + size + (size & 1);
        }
        return offsets;
    }
}
