using FreesoundTagging.Datasets;
using FreesoundTagging.Runtime;
using FreesoundTagging.Tests.Support;
using FreesoundTagging.Torch;
using FreesoundTagging.Training;
using Xunit;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Training;

/// <summary>What a training step hands the device: the assembler's buffer itself on the CPU (one host copy per
/// batch, the one out of the memory-mapped arrays), trimmed to the batch's content for the 1-D networks, and totals
/// summed where the step ran with the same floats a host-side sum gives.</summary>
[Collection(TorchCollection.Name)]
public class BatchTransferTests
{
    public BatchTransferTests() => TorchRuntime.Initialise(1);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task TheBatchOnTheCpuIsTheAssemblersBufferWithTheRowsOfTheArrays(bool trim)
    {
        using var dir = new TempDir();
        var files = SyntheticDataset.Write(dir.Path, rows: 6, classes: 3, maxFrames: 40, mels: 16);
        using var data = TrainingSet.Open([files]);
        var assembler = new BatchAssembler(data, batchSize: 4, maxFrames: 40, trimPadding: trim);
        var batch = await assembler.StartAsync(new Batch([0, 3, 5], 40));
        long before = GC.GetAllocatedBytesForCurrentThread();
        using var x = batch.Samples(CPU);
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        Assert.True(allocated < 4096, $"{allocated} bytes allocated: the batch was copied");
        int stored = trim ? Math.Max(1, batch.ContentFrames.Max()) : 40;
        Assert.Equal(stored, batch.StoredFrames);
        Assert.Equal(40, batch.Frames);
        Assert.Equal(new long[] { 3, stored, 16 }, x.shape);
        var expected = new float[40 * 16];
        var targets = new float[3];
        for (int i = 0; i < 3; i++)
        {
            data.FillBatch([new[] { 0, 3, 5 }[i]], 40, expected, targets);
            Assert.Equal(expected.Take(stored * 16), x[i].data<float>().ToArray());
            // Trimmed away: only zeros.
            Assert.All(expected.Skip(stored * 16), v => Assert.Equal(0f, v));
        }
        // The tensor is the buffer: what the assembler writes, the step reads, without a copy in between.
        batch.SampleBuffer[1] = 12345f;
        Assert.Equal(12345f, x[0, 0, 1].item<float>());
        using var y = batch.Targets(CPU);
        Assert.Equal(new long[] { 3, 3 }, y.shape);
        assembler.Release(batch);
    }

    [Fact]
    public void TotalsSummedOnTheDeviceEqualTheHostsSumBitForBit()
    {
        var random = new Random(7);
        using var totals = new StepTotals(CPU, lossSum: 1.25, correct: 3, seen: 10);
        double hostSum = 1.25;
        long hostCorrect = 3;
        for (int step = 0; step < 200; step++)
        {
            int rows = random.Next(1, 65);
            float loss = (float)(random.NextDouble() * 5);
            using var lossTensor = tensor(loss);
            using var logits = randn(rows, 5);
            using var targets = randn(rows, 5);
            totals.Add(lossTensor, logits, targets, rows);
            hostSum += loss * rows;
            hostCorrect += logits.argmax(1).eq(targets.argmax(1)).sum().item<long>();
        }
        var (sum, correct) = totals.Read();
        Assert.Equal(BitConverter.DoubleToInt64Bits(hostSum), BitConverter.DoubleToInt64Bits(sum));
        Assert.Equal(hostCorrect, correct);
    }
}
