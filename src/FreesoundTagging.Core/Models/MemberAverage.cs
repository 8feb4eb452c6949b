using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FreesoundTagging.Models;

/// <summary>
/// Several networks of one variant, trained with different seeds, held as one model (<c>model --members K</c>):
/// its output is the log of the members' mean probabilities, so a softmax over it gives exactly that mean and
/// everything that takes a model (predict, tagging, export) takes an ensemble unchanged. State-dict keys are the
/// members' own under <c>members.k.</c>.
/// </summary>
public sealed class MemberAverage : TaggingModel
{
    private readonly ModuleList<TaggingModel> members;
    // A Scalar, not a tensor field (which RegisterComponents would make a buffer of the state dict); held, not
    // converted at the call (see Torch.OwnedScalars).
    private readonly TorchSharp.Scalar logCount;

    public MemberAverage(IReadOnlyList<TaggingModel> networks)
        : base(First(networks).Variant, networks[0].InputChannels, networks[0].ClassCount)
    {
        if (networks.Any(n => n.Variant != Variant || n.InputChannels != InputChannels || n.ClassCount != ClassCount || n is MemberAverage))
            throw new ArgumentException("the members of an ensemble must be networks of one variant with the same inputs and classes", nameof(networks));
        members = new ModuleList<TaggingModel>([.. networks]);
        logCount = Math.Log(networks.Count).ToScalar();
        RegisterComponents();
    }

    /// <summary>A fresh ensemble of <paramref name="count"/> networks of <paramref name="variant"/>.</summary>
    public static TaggingModel Create(ModelVariant variant, int count, int inputChannels, int classCount) =>
        count == 1 ? variant.Create(inputChannels, classCount)
            : new MemberAverage(Enumerable.Range(0, count).Select(_ => variant.Create(inputChannels, classCount)).ToList());

    public IReadOnlyList<TaggingModel> Members => [.. members];

    /// <summary>Only when every member does: the ensemble is fed one batch for all of them.</summary>
    public override bool SkipsPadding => members.All(m => m.SkipsPadding);

    public override Tensor forward(Tensor input) => MeanOf(m => m.forward(input));

    /// <summary>Each member's own <see cref="TaggingModel.ForwardPadded"/>, so a 1-D member keeps its padding elision.</summary>
    public override Tensor ForwardPadded(Tensor input, long paddedFrames, IReadOnlyList<int>? contentFrames = null) =>
        MeanOf(m => m.ForwardPadded(input, paddedFrames, contentFrames));

    /// <summary>Each member's own <see cref="TaggingModel.ForwardLooped"/>.</summary>
    public override Tensor ForwardLooped(Tensor input, IReadOnlyList<int> periods) => MeanOf(m => m.ForwardLooped(input, periods));

    /// <summary>The log of the members' mean probabilities, from each member's logits.</summary>
    private Tensor MeanOf(Func<TaggingModel, Tensor> logits)
    {
        using var scope = NewDisposeScope();
        var logProbabilities = stack(members.Select(m => nn.functional.log_softmax(logits(m), 1)).ToArray());
        return logProbabilities.logsumexp(0).sub(logCount).MoveToOuterDisposeScope();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) logCount.Dispose();
        base.Dispose(disposing);
    }

    private static TaggingModel First(IReadOnlyList<TaggingModel> networks) =>
        networks.Count >= 2 ? networks[0] : throw new ArgumentException("an ensemble has at least two members", nameof(networks));
}
