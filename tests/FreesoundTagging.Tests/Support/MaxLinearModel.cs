using TorchSharp;
using static TorchSharp.torch;

namespace FreesoundTagging.Tests.Support;

/// <summary>A deliberately tiny model (max over time, then linear), so trainer mechanics test in milliseconds.</summary>
internal sealed class MaxLinearModel : nn.Module<Tensor, Tensor>
{
    private readonly TorchSharp.Modules.Linear head;

    public MaxLinearModel(int mels, int classes) : base(nameof(MaxLinearModel))
    {
        head = nn.Linear(mels, classes);
        RegisterComponents();
    }

    public override Tensor forward(Tensor input) => head.forward(input.amax(1));
}
