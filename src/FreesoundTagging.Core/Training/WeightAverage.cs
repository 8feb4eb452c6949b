using static TorchSharp.torch;

namespace FreesoundTagging.Training;

/// <summary>
/// An exponential moving average of a network's weights (--ema): a second copy of the network whose parameters and
/// batch-norm statistics follow the trained one, <c>avg ← d·avg + (1 − d)·w</c> after every step. The average is the
/// network that is validated and saved; the trained one only moves it.
/// </summary>
/// <remarks>The decay ramps up as <c>min(d, (1 + t) / (10 + t))</c> over the run's step count t, so the first
/// steps' random initialisation is forgotten quickly; t is the step's place in the whole run, so a resumed run
/// averages exactly as an uninterrupted one. Integer buffers (batch-norm's step counter) are copied.</remarks>
public sealed class WeightAverage
{
    private readonly nn.Module<Tensor, Tensor> _average;
    private readonly double _decay;
    private readonly (Tensor Average, Tensor Trained)[] _floats;
    private readonly (Tensor Average, Tensor Trained)[] _others;

    /// <summary>Starts the average at <paramref name="trained"/>'s current weights.</summary>
    /// <param name="blank">A network of the same shape (its weights are overwritten).</param>
    public WeightAverage(nn.Module<Tensor, Tensor> trained, nn.Module<Tensor, Tensor> blank, double decay)
    {
        if (!(decay > 0 && decay < 1)) throw new ArgumentOutOfRangeException(nameof(decay), decay, "decay must be in (0, 1)");
        _average = blank;
        _decay = decay;
        var pairs = Pairs(blank, trained);
        _floats = pairs.Where(p => p.Average.is_floating_point()).ToArray();
        _others = pairs.Where(p => !p.Average.is_floating_point()).ToArray();
        using (no_grad())
            foreach (var (average, weights) in pairs) average.copy_(weights);
        _average.eval();
    }

    /// <summary>The averaged network (in eval mode); whoever keeps it after training owns it.</summary>
    public nn.Module<Tensor, Tensor> Network => _average;

    /// <summary>The decay used after step <paramref name="runStep"/> (0-based, counted over the whole run).</summary>
    public double DecayAt(long runStep) => Math.Min(_decay, (1.0 + runStep) / (10.0 + runStep));

    /// <summary>Moves the average towards the trained network's weights after step <paramref name="runStep"/>.</summary>
    public void Update(long runStep)
    {
        double weight = 1 - DecayAt(runStep);
        using (no_grad())
        {
            foreach (var (average, trained) in _floats) average.lerp_(trained, weight);
            foreach (var (average, trained) in _others) average.copy_(trained);
        }
    }

    /// <summary>The average's weights as <c>Module.save</c> bytes (for the checkpoint).</summary>
    public byte[] Save() => ModuleBytes.Of(_average);

    /// <summary>Restores the average saved by <see cref="Save"/>.</summary>
    public void Load(byte[] weights)
    {
        ModuleBytes.Load(_average, weights);
        _average.eval();
    }

    // Parameters and buffers by name: both networks come from the same factory, so the names match one for one.
    private static (Tensor Average, Tensor Trained)[] Pairs(nn.Module average, nn.Module trained)
    {
        var theirs = Named(trained).ToDictionary(p => p.Name, p => p.Tensor);
        var pairs = new List<(Tensor, Tensor)>();
        foreach (var (name, tensor) in Named(average))
        {
            if (!theirs.TryGetValue(name, out var other) || !other.shape.SequenceEqual(tensor.shape))
                throw new ArgumentException($"the networks differ at '{name}'", nameof(trained));
            pairs.Add((tensor, other));
        }
        if (pairs.Count != theirs.Count) throw new ArgumentException("the networks differ in their number of weights", nameof(trained));
        return [.. pairs];
    }

    private static IEnumerable<(string Name, Tensor Tensor)> Named(nn.Module module) =>
        module.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(module.named_buffers().Select(b => (b.name, b.buffer)));
}
