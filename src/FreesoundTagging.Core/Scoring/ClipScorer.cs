using FreesoundTagging.Features;
using FreesoundTagging.Models;
using FreesoundTagging.Runtime;
using FreesoundTagging.Torch;
using TorchSharp;
using static TorchSharp.torch;

namespace FreesoundTagging.Scoring;

/// <summary>
/// Softmax scores of whole clips from one network, fed the way it was trained: a crop-trained model
/// (<see cref="WindowFrames"/> set) scores windows of the crop length sliding by <see cref="WindowHopFrames"/> (half
/// a window unless the model file says otherwise) along each clip and averages their probabilities; a model trained on padded clips sees each clip zero-padded to MaxFrames;
/// a length-bucketed one sees clips batched by length. A clip longer than MaxFrames is fed whole by the latter two
/// (the networks end in global pooling over time, so all of it counts). With <see cref="BandShifts"/> K, every input
/// is also fed shifted by ±1 … ±K mel bands (<see cref="BandShifter"/>) and the 2K + 1 probabilities are averaged.
/// </summary>
public sealed class ClipScorer(nn.Module<Tensor, Tensor> model, FeatureConfig features, int? windowFrames, bool lengthBucketed, int batchSize, int? windowHopFrames = null,
    int bandShifts = 0)
{
    /// <summary>Scores the model the way its file says it was trained (all its members together).</summary>
    public static ClipScorer For(LoadedModel loaded, int batchSize) =>
        new(loaded.Model, loaded.Features, loaded.Metadata.WindowFrames, loaded.History.LengthBucketed, batchSize, loaded.Metadata.ScoringHopFrames,
            loaded.Metadata.ScoringBandShifts);

    /// <summary>One scorer per network of the file (several for an ensemble file), each fed as the file says, so an
    /// ensemble's members are combined with the other models of the run by one mean (<see cref="EnsembleScorer"/>).</summary>
    public static IEnumerable<ClipScorer> ForEachMember(LoadedModel loaded, int batchSize) =>
        loaded.Model is MemberAverage ensemble
            ? ensemble.Members.Select(m => new ClipScorer(m, loaded.Features, loaded.Metadata.WindowFrames, loaded.History.LengthBucketed, batchSize, loaded.Metadata.ScoringHopFrames,
                loaded.Metadata.ScoringBandShifts))
            : [For(loaded, batchSize)];

    public nn.Module<Tensor, Tensor> Model { get; } = model;

    public int? WindowFrames { get; } = windowFrames;

    /// <summary>Frames between window starts (with <see cref="WindowFrames"/>): half a window unless given.</summary>
    public int? WindowHopFrames { get; } = windowFrames is { } w ? Math.Clamp(windowHopFrames ?? ModelMetadata.DefaultHop(w), 1, w) : null;

    /// <summary>Scoring shifts along the mel axis each input is also fed at (0: none).</summary>
    public int BandShifts { get; } = Math.Clamp(bandShifts, 0, Math.Max(0, features.MelCount - 1));

    /// <summary>(clip count) rows of class probabilities, in the order given. The model must already be on
    /// <paramref name="device"/> and in evaluation mode.</summary>
    public float[][] Score(IReadOnlyList<LogMel> clips, Device device)
    {
        var scores = new float[clips.Count][];
        if (WindowFrames is { } window)
        {
            ScoreWindows(clips, window, WindowHopFrames!.Value, device, scores);
            return scores;
        }
        foreach (var (batch, frames) in Batches(clips))
        {
            var probabilities = Forward(batch.Select(i => clips[i]).ToList(), frames, starts: null, device);
            for (int j = 0; j < batch.Length; j++) scores[batch[j]] = probabilities[j];
        }
        return scores;
    }

    private void ScoreWindows(IReadOnlyList<LogMel> clips, int window, int hop, Device device, float[][] scores)
    {
        var windows = clips.SelectMany((clip, i) => ClipCrop.WindowStarts(clip.Frames, window, hop).Select(start => (Clip: i, Start: start))).ToList();
        // Two 1.28 s windows per clip of the batch size, and as many frames per pass for other window lengths: a 2-D
        // network's activations per frame are large. Measured with cnn_2d_vgg (1.28 s windows) on corpus-dev's test
        // clips: 256 windows per pass peaked at 757 MB, 46 at 427 MB, at the same speed.
        // The band-shifted copies share the pass, so it holds that many times fewer windows: a pass's frames, and
        // predict's peak memory, stay what they were without shifts.
        int perPass = Math.Max(1, WindowsPerPass(batchSize, window) / (2 * BandShifts + 1));
        var counts = new int[clips.Count];
        // One input array for every full pass (band-shifted copies included): a new 1 MB array per pass is
        // large-object garbage that the GC collects late: with cnn_2d_vgg a 20-minute clip (1,875 windows, 59 passes)
        // peaked 55 MB higher.
        var buffer = new float[(2 * BandShifts + 1) * Math.Min(perPass, windows.Count) * window * features.MelCount];
        // Windows of clips of like lengths side by side: a pass of looped windows computes as many columns as its
        // longest loop needs (TaggingModel.ForwardLooped). Each window is scored on its own, so the order changes no value.
        windows = [.. windows.OrderBy(w => Math.Min(clips[w.Clip].Frames, window))];
        foreach (var chunk in windows.Chunk(perPass))
        {
            var probabilities = Forward(chunk.Select(w => clips[w.Clip]).ToList(), window, chunk.Select(w => w.Start).ToArray(), device, buffer);
            for (int j = 0; j < chunk.Length; j++)
            {
                int clip = chunk[j].Clip;
                var sum = scores[clip] ??= new float[probabilities[j].Length];
                for (int c = 0; c < sum.Length; c++) sum[c] += probabilities[j][c];
                counts[clip]++;
            }
        }
        for (int i = 0; i < clips.Count; i++)
            for (int c = 0; c < scores[i].Length; c++) scores[i][c] /= counts[i];
    }

    /// <summary>Frames of a window that <see cref="WindowsPerPass"/> feeds two per clip of the batch size (1.28 s).</summary>
    internal const int ReferenceWindowFrames = 128;

    /// <summary>Windows per forward pass: the frames of two <see cref="ReferenceWindowFrames"/> windows per clip of
    /// <paramref name="batchSize"/>, so a pass's activations (and predict's peak memory) do not grow with the window.</summary>
    internal static int WindowsPerPass(int batchSize, int window) =>
        (int)Math.Clamp(2L * batchSize * ReferenceWindowFrames / Math.Max(1, window), 1, Math.Max(1, 2L * batchSize));

    /// <summary>Clips per pass of whole clips: the batch size, shared with their band-shifted copies.</summary>
    private int ClipsPerPass => Math.Max(1, batchSize / (2 * BandShifts + 1));

    /// <summary>Batches of clip indices with the length to feed them at.</summary>
    private IEnumerable<(int[] Clips, int Frames)> Batches(IReadOnlyList<LogMel> clips)
    {
        var all = Enumerable.Range(0, clips.Count);
        if (lengthBucketed)
        {
            foreach (var batch in all.OrderBy(i => clips[i].Frames).Chunk(ClipsPerPass))
                yield return (batch, batch.Max(i => clips[i].Frames));
            yield break;
        }
        // Equal padded length → one batch; most clips share MaxFrames.
        // Within a group, by length: each clip is scored alone (no batch statistics), and batches of similar
        // lengths let the 1-D networks crop their padding away.
        foreach (var group in all.GroupBy(i => Math.Max(features.MaxFrames, clips[i].Frames)))
            foreach (var batch in group.OrderBy(i => clips[i].Frames).Chunk(ClipsPerPass))
                yield return (batch, group.Key);
    }

    /// <summary>As <see cref="Forward"/> from frame 0 for a network that skips padding, fed only each clip's frames
    /// (<see cref="TaggingModel.ForwardPadded"/>).</summary>
    private float[][] ForwardPadded(TaggingModel network, IReadOnlyList<LogMel> clips, int frames, Device device)
    {
        int bands = features.MelCount;
        int[] content = clips.Select(c => Math.Min(c.Frames, frames)).ToArray();
        int longest = content.Max();
        int size = longest * bands;
        var input = new float[clips.Count * size];
        for (int i = 0; i < clips.Count; i++) clips[i].Values.AsSpan(0, content[i] * bands).CopyTo(input.AsSpan(i * size));
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = HostTransfer.ToDevice(input, [clips.Count, longest, bands], device);
        return Probabilities(network.ForwardPadded(x, frames, content), clips.Count);
    }

    private static float[][] Probabilities(Tensor logits, int count)
    {
        var p = nn.functional.softmax(logits, 1).cpu();
        int classes = (int)p.shape[1];
        float[] flat = p.data<float>().ToArray();
        return Enumerable.Range(0, count).Select(i => flat.AsSpan(i * classes, classes).ToArray()).ToArray();
    }

    /// <summary>Softmax of one forward pass over <paramref name="frames"/> frames of each clip: from frame 0
    /// zero-padded past the clip's end, or with <paramref name="starts"/> a looped crop (<see cref="ClipCrop"/>), which
    /// the network may compute one loop of (<see cref="TaggingModel.ForwardLooped"/>). With band shifts, the shifted
    /// copies go through the network in the same pass, after the inputs, and their probabilities are averaged.</summary>
    /// <param name="buffer">Reused as the input of a crop batch of exactly its size, shifted copies included (crops
    /// overwrite all of it; the zero-padded batches need a fresh, zeroed array).</param>
    private float[][] Forward(IReadOnlyList<LogMel> clips, int frames, int[]? starts, Device device, float[]? buffer = null)
    {
        int bands = features.MelCount;
        if (starts is null && BandShifts == 0 && Model is TaggingModel { SkipsPadding: true } network) return ForwardPadded(network, clips, frames, device);
        int size = frames * bands, count = clips.Count, passes = 2 * BandShifts + 1;
        var input = starts is not null && buffer is not null && buffer.Length == passes * count * size ? buffer : new float[passes * count * size];
        for (int i = 0; i < count; i++)
        {
            var clip = clips[i];
            if (starts is not null) ClipCrop.Copy(clip.Values, clip.Frames, bands, starts[i], frames, input.AsSpan(i * size, size));
            else clip.Values.AsSpan(0, Math.Min(clip.Frames, frames) * bands).CopyTo(input.AsSpan(i * size));
        }
        // Copy p holds every input shifted by +k or -k bands: k = 1, -1, 2, -2, …
        for (int p = 1; p < passes; p++)
        {
            int shift = (p + 1) / 2 * (p % 2 == 1 ? 1 : -1);
            var copy = input.AsSpan(p * count * size, count * size);
            input.AsSpan(0, count * size).CopyTo(copy);
            for (int i = 0; i < count; i++) BandShifter.Shift(copy.Slice(i * size, size), frames, bands, shift);
        }
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        var x = HostTransfer.ToDevice(input, [passes * count, frames, bands], device);
        var logits = starts is not null && Model is TaggingModel tagging
            ? tagging.ForwardLooped(x, [.. Enumerable.Repeat(clips.Select(c => c.Frames < frames ? c.Frames : 0), passes).SelectMany(p => p)])
            : Model.forward(x);
        if (BandShifts == 0) return Probabilities(logits, count);
        // Owned Scalar: TorchSharp's implicit ones can be finalized mid-call (ScalarLifetimeTests).
        using var passCount = passes.ToScalar();
        var mean = nn.functional.softmax(logits, 1).view(passes, count, -1).sum(0L).div_(passCount);
        // Probabilities applies a softmax: the log of the mean probabilities comes back out of it unchanged.
        return Probabilities(mean.log_(), count);
    }
}
