using FreesoundTagging.Runtime;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace FreesoundTagging.Torch;

/// <summary>
/// Adam (Kingma &amp; Ba; PyTorch's update without weight decay or AMSGrad) over a model's parameters.
/// </summary>
/// <remarks>
/// Written out rather than taken from <c>torch.optim.Adam</c>: TorchSharp's step converts β, 1 − β and ε to
/// Scalars that a garbage collection can free while libtorch reads them (see <see cref="OwnedScalars"/>). Here
/// every Scalar is a field or a <c>using</c> variable that outlives the calls it is passed to. The state is
/// saved in TorchSharp's Adam format, so checkpoints written before this class existed still resume.
/// </remarks>
public sealed class AdamOptimizer : IDisposable
{
    private readonly Parameter[] _parameters;
    private readonly Tensor[] _firstMoments;
    private readonly Tensor[] _secondMoments;
    private readonly long[] _steps;
    private readonly Scalar _beta1, _oneMinusBeta1, _beta2, _oneMinusBeta2, _epsilon;

    public AdamOptimizer(IEnumerable<Parameter> parameters, double learningRate, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        if (!(learningRate >= 0)) throw new ArgumentOutOfRangeException(nameof(learningRate), learningRate, "must be ≥ 0");
        if (!(beta1 >= 0 && beta1 < 1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "must be in [0, 1)");
        if (!(beta2 >= 0 && beta2 < 1)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "must be in [0, 1)");
        if (!(epsilon >= 0)) throw new ArgumentOutOfRangeException(nameof(epsilon), epsilon, "must be ≥ 0");
        _parameters = parameters.ToArray();
        LearningRate = InitialLearningRate = learningRate;
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        using (no_grad())
        {
            _firstMoments = _parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
            _secondMoments = _parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        }
        _steps = new long[_parameters.Length];
        _beta1 = beta1.ToScalar();
        _oneMinusBeta1 = (1 - beta1).ToScalar();
        _beta2 = beta2.ToScalar();
        _oneMinusBeta2 = (1 - beta2).ToScalar();
        _epsilon = epsilon.ToScalar();
    }

    /// <summary>The rate of the next step; schedules set it before each one.</summary>
    public double LearningRate { get; set; }

    /// <summary>The rate given at construction (kept in the saved state, as TorchSharp does).</summary>
    public double InitialLearningRate { get; }

    public double Beta1 { get; }

    public double Beta2 { get; }

    public double Epsilon { get; }

    /// <summary>Steps taken by the first parameter (all of them step together when every one gets a gradient).</summary>
    public long Steps => _steps.Length > 0 ? _steps[0] : 0;

    public void ZeroGrad()
    {
        foreach (var p in _parameters)
        {
            using var grad = p.grad;
            grad?.zero_();
        }
    }

    /// <summary>One update of every parameter that has a gradient.</summary>
    public void Step()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        for (int i = 0; i < _parameters.Length; i++)
        {
            var grad = _parameters[i].grad;
            if (grad is null) continue;
            long step = ++_steps[i];
            double biasCorrection1 = 1 - Math.Pow(Beta1, step);
            double biasCorrection2 = 1 - Math.Pow(Beta2, step);
            _firstMoments[i].mul_(_beta1).add_(grad, _oneMinusBeta1);
            _secondMoments[i].mul_(_beta2).addcmul_(grad, grad, _oneMinusBeta2);
            using var rootCorrection2 = Math.Sqrt(biasCorrection2).ToScalar();
            using var stepSize = (-LearningRate / biasCorrection1).ToScalar();
            var denominator = _secondMoments[i].sqrt().div_(rootCorrection2).add_(_epsilon, OwnedScalars.One);
            _parameters[i].addcdiv_(_firstMoments[i], denominator, stepSize);
        }
    }

    /// <summary>Writes the state as TorchSharp's <c>Adam.save_state_dict</c> does for one parameter group.</summary>
    public void Save(BinaryWriter writer)
    {
        writer.Write("Adam");
        writer.Write7BitEncodedInt64(1);
        writer.Write7BitEncodedInt64(_parameters.Length);
        writer.Write(InitialLearningRate);
        writer.Write(LearningRate);
        writer.Write(Beta1);
        writer.Write(Beta2);
        writer.Write(Epsilon);
        writer.Write(0.0);   // weight decay
        writer.Write(false); // AMSGrad
        writer.Write(false); // maximize
        for (int i = 0; i < _parameters.Length; i++)
        {
            writer.Write(_steps[i]);
            _firstMoments[i].Save(writer);
            _secondMoments[i].Save(writer);
            writer.Write(false); // no AMSGrad maximum
        }
    }

    /// <summary>Restores state written by <see cref="Save"/> (or by TorchSharp's Adam over the same parameters).</summary>
    /// <exception cref="InvalidDataException">Another optimizer, other parameters or settings this class does not implement.</exception>
    public void Load(BinaryReader reader)
    {
        string name = reader.ReadString();
        if (name != "Adam") throw new InvalidDataException($"optimizer state is for {name}, not Adam");
        if (reader.Read7BitEncodedInt64() != 1) throw new InvalidDataException("optimizer state has several parameter groups");
        long count = reader.Read7BitEncodedInt64();
        if (count != _parameters.Length) throw new InvalidDataException($"optimizer state holds {count} parameters, the model has {_parameters.Length}");
        reader.ReadDouble();                 // initial rate: ours was given at construction
        LearningRate = reader.ReadDouble();
        double beta1 = reader.ReadDouble(), beta2 = reader.ReadDouble(), epsilon = reader.ReadDouble(), weightDecay = reader.ReadDouble();
        bool amsgrad = reader.ReadBoolean(), maximize = reader.ReadBoolean();
        if (beta1 != Beta1 || beta2 != Beta2 || epsilon != Epsilon || weightDecay != 0 || amsgrad || maximize)
            throw new InvalidDataException($"optimizer state has other settings (β {beta1}, {beta2}, ε {epsilon}, weight decay {weightDecay}, AMSGrad {amsgrad}, maximize {maximize})");
        for (int i = 0; i < _parameters.Length; i++)
        {
            _steps[i] = reader.ReadInt64();
            _firstMoments[i].Load(reader);
            _secondMoments[i].Load(reader);
            if (reader.ReadBoolean()) throw new InvalidDataException("optimizer state has AMSGrad maxima");
        }
    }

    public void Dispose()
    {
        foreach (var t in _firstMoments.Concat(_secondMoments)) t.Dispose();
        foreach (var s in new[] { _beta1, _oneMinusBeta1, _beta2, _oneMinusBeta2, _epsilon }) s.Dispose();
    }
}
