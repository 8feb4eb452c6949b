using System.Diagnostics;
using FreesoundTagging.IO;
using FreesoundTagging.Tests.Support;
using Xunit;
using Xunit.Abstractions;

namespace FreesoundTagging.Tests.IO;

/// <summary>
/// Thousands of mutated .npy files (fixed seed, bounded time): the only outcomes allowed are a readable array
/// whose rows can all be read, or the reader's own InvalidArrayException. A size field that lies must never
/// make the reader map or allocate what the file does not hold.
/// </summary>
public class NpyFuzzTests(ITestOutputHelper output)
{
    [Fact]
    public void MutatedFilesGiveAnArrayOrInvalidArrayOnly()
    {
        using var dir = new TempDir();
        var seeds = new List<byte[]>();
        foreach (var (dtype, shape) in new[] { (NpyDtype.Float32, new long[] { 3, 4 }), (NpyDtype.Float64, new long[] { 2, 3, 2 }), (NpyDtype.Float32, new long[] { 5 }) })
        {
            string path = dir.File($"seed{seeds.Count}.npy");
            using (var writer = new NpyRowWriter(path, dtype, shape[1..]))
            {
                for (int r = 0; r < shape[0]; r++) writer.WriteRow(Enumerable.Range(0, (int)shape[1..].Aggregate(1L, (a, b) => a * b)).Select(i => (float)(r + i)).ToArray());
                writer.Commit();
            }
            seeds.Add(File.ReadAllBytes(path));
        }

        var random = new Random(20181);
        var clock = Stopwatch.StartNew();
        int opened = 0, refused = 0;
        string target = dir.File("fuzz.npy");
        for (int i = 0; i < 4000 && clock.Elapsed < TimeSpan.FromSeconds(10); i++)
        {
            byte[] bytes = Mutate(seeds[random.Next(seeds.Count)], random);
            File.WriteAllBytes(target, bytes);
            try
            {
                using var array = MappedNpyArray.Open(target);
                var row = new float[array.RowElements];
                for (long r = 0; r < array.RowCount; r++) array.ReadRow(r, row);
                opened++;
            }
            catch (InvalidArrayException)
            {
                refused++;
            }
        }
        output.WriteLine($"{opened} opened, {refused} refused in {clock.Elapsed.TotalSeconds:0.0} s");
        Assert.True(opened > 0 && refused > 0);
    }

    private static byte[] Mutate(byte[] seed, Random random)
    {
        var bytes = seed.ToList();
        int header = Math.Min(bytes.Count, 128);
        switch (random.Next(6))
        {
            case 0: // flip a bit, usually in the header where the meaning is
                int at = random.Next(random.Next(4) == 0 ? bytes.Count : header);
                bytes[at] ^= (byte)(1 << random.Next(8));
                break;
            case 1: // truncate
                bytes.RemoveRange(random.Next(bytes.Count), bytes.Count - random.Next(bytes.Count) > 0 ? 1 : 0);
                bytes = bytes.Take(random.Next(bytes.Count + 1)).ToList();
                break;
            case 2: // a lying shape: replace a digit in the header with a long number
                string text = System.Text.Encoding.Latin1.GetString(bytes.Take(header).ToArray());
                int digit = text.IndexOfAny("0123456789".ToCharArray(), 10);
                if (digit > 0)
                {
                    string lie = random.Next(3) switch { 0 => "99999999999", 1 => "4611686018427387904", _ => "0" };
                    bytes.RemoveAt(digit);
                    bytes.InsertRange(digit, System.Text.Encoding.Latin1.GetBytes(lie));
                }
                break;
            case 3: // header length field lies
                bytes[8] = (byte)random.Next(256);
                bytes[9] = (byte)random.Next(256);
                break;
            case 4: // append garbage
                bytes.AddRange(Enumerable.Range(0, random.Next(1, 40)).Select(_ => (byte)random.Next(256)));
                break;
            default: // overwrite a run of bytes
                int start = random.Next(bytes.Count);
                for (int k = start; k < Math.Min(bytes.Count, start + random.Next(1, 16)); k++) bytes[k] = (byte)random.Next(256);
                break;
        }
        return bytes.ToArray();
    }
}
