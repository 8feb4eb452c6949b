using FreesoundTagging.Features;
using FreesoundTagging.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace FreesoundTagging.Scoring;

/// <summary>
/// Class probabilities of clips from every network of one or more model files, combined per clip by one
/// <see cref="EnsembleMean"/>: the one ensemble path, whatever the clips are (whole files or timeline windows).
/// Each network is fed the way its file says (<see cref="ClipScorer"/>), and the members of an ensemble file count
/// as networks of their own, so <c>--mean</c> weighs every network alike.
/// </summary>
public sealed class EnsembleScorer
{
    private readonly IReadOnlyList<ClipScorer> _scorers;

    public EnsembleScorer(IReadOnlyList<ClipScorer> scorers, EnsembleMean mean)
    {
        if (scorers.Count == 0) throw new ArgumentException("at least one network is needed", nameof(scorers));
        _scorers = scorers;
        Mean = mean;
    }

    /// <summary>Every network of <paramref name="models"/> (each member of an ensemble file), fed as its file says.</summary>
    public static EnsembleScorer For(IReadOnlyList<LoadedModel> models, int batchSize, EnsembleMean mean) =>
        new(models.SelectMany(m => ClipScorer.ForEachMember(m, batchSize)).ToList(), mean);

    public IReadOnlyList<ClipScorer> Scorers => _scorers;

    public EnsembleMean Mean { get; }

    /// <summary>Puts every network on <paramref name="device"/> in evaluation mode (dropout off), as <see cref="Score"/> needs.</summary>
    public void Prepare(Device device)
    {
        foreach (var scorer in _scorers)
        {
            scorer.Model.to(device);
            scorer.Model.eval();
        }
    }

    /// <summary>(clip count) rows of class probabilities, in the order given: each network's, combined by
    /// <see cref="Mean"/>. The networks must be prepared for <paramref name="device"/> (<see cref="Prepare"/>).</summary>
    public float[][] Score(IReadOnlyList<LogMel> clips, Device device, CancellationToken cancel = default)
    {
        var perNetwork = _scorers.Select(s =>
        {
            cancel.ThrowIfCancellationRequested();
            return s.Score(clips, device);
        }).ToList();
        return Enumerable.Range(0, clips.Count).Select(i => EnsembleAverage.Combine(perNetwork.Select(p => p[i]).ToList(), Mean)).ToArray();
    }
}
