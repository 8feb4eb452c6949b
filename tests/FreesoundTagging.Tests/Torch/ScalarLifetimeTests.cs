using System.Reflection;
using FreesoundTagging.Tests.Support;
using TorchSharp;
using Xunit;

namespace FreesoundTagging.Tests.Torch;

/// <summary>
/// TorchSharp 0.107 turns numbers into native <see cref="Scalar"/>s through implicit conversions and passes only
/// their handles to libtorch, so nothing keeps the managed object alive during the native call: a garbage
/// collection started by any other thread lets the finalizer free the Scalar while libtorch is reading it
/// (seen in CI as "Expected false to be true" from c10::Scalar::toDouble inside Adam's step). Our code therefore
/// never hands TorchSharp a Scalar it does not own, and never calls a TorchSharp method that makes one internally.
/// </summary>
public class ScalarLifetimeTests
{
    private static readonly Assembly[] Ours =
    [
        typeof(FreesoundTagging.Training.Trainer).Assembly,
        typeof(FreesoundTagging.Inputs.InputsCommand).Assembly,
        typeof(FreesoundTagging.Model.ModelCommand).Assembly,
        typeof(FreesoundTagging.Predict.PredictCommand).Assembly,
    ];

    [Fact]
    public void OurCodeNeverHandsTorchSharpAScalarThatTheGarbageCollectorCanFreeMidCall()
    {
        var calls = Ours.SelectMany(IlCalls.MethodsOf)
            .SelectMany(m => IlCalls.CalledBy(m).Select(target => (Method: m, Target: target)))
            .ToList();
        var audit = new ScalarAudit(CreatedTypes(calls.Select(c => c.Target)));
        var offences = calls
            .Where(c => IsImplicitScalar(c.Target) || audit.MakesTemporaryScalar(c.Target))
            .Select(c => $"{c.Method.DeclaringType?.FullName}.{c.Method.Name} calls {Name(c.Target)}{audit.Path(c.Target)}")
            .Distinct()
            .ToList();
        Assert.True(offences.Count == 0, "temporary Scalars:\n" + string.Join("\n", offences));
    }

    [Fact]
    public void TheAuditRecognisesTorchSharpMethodsThatMakeTemporaryScalars()
    {
        var tensor = typeof(torch.Tensor);
        var audit = new ScalarAudit([typeof(TorchSharp.Modules.Adam)]);
        // add_(Tensor) is add_(target, alpha: 1); a + b is a.add(b), which is add(b, alpha: 1).
        Assert.True(audit.MakesTemporaryScalar(tensor.GetMethod(nameof(torch.Tensor.add_), [tensor])!));
        Assert.True(audit.MakesTemporaryScalar(tensor.GetMethod("op_Addition", [tensor, tensor])!));
        Assert.False(audit.MakesTemporaryScalar(tensor.GetMethod(nameof(torch.Tensor.add_), [tensor, typeof(Scalar)])!));
        Assert.False(audit.MakesTemporaryScalar(tensor.GetMethod(nameof(torch.Tensor.mul), [tensor])!));
        // Adam converts β, 1 − β and ε inside a lambda of its step override, reached through Optimizer.step.
        Assert.True(audit.MakesTemporaryScalar(typeof(torch.optim.Optimizer).GetMethod(nameof(torch.optim.Optimizer.step))!));
        Assert.False(new ScalarAudit([]).MakesTemporaryScalar(typeof(torch.optim.Optimizer).GetMethod(nameof(torch.optim.Optimizer.step))!));
        Assert.True(IsImplicitScalar(typeof(Scalar).GetMethod("op_Implicit", [typeof(double)])!));
        Assert.False(IsImplicitScalar(typeof(ScalarExtensionMethods).GetMethod(nameof(ScalarExtensionMethods.ToScalar), [typeof(double)])!));
    }

    private static bool IsImplicitScalar(MethodBase method) =>
        method.DeclaringType == typeof(Scalar) && method.Name == "op_Implicit";

    private static bool CreatesScalar(MethodBase method) =>
        IsImplicitScalar(method) || method is MethodInfo { ReturnType: var r } && r == typeof(Scalar) && method.DeclaringType == typeof(ScalarExtensionMethods);

    private static string Name(MethodBase m) => $"{m.DeclaringType?.Name}.{m.Name}({string.Join(", ", m.GetParameters().Select(p => p.ParameterType.Name))})";

    private static bool IsTorchSharp(MethodBase method) => method.DeclaringType?.Assembly == typeof(Scalar).Assembly;

    /// <summary>TorchSharp types our code gets instances of: constructed, or returned by a TorchSharp call.</summary>
    private static Type[] CreatedTypes(IEnumerable<MethodBase> targets) => targets
        .Where(IsTorchSharp)
        .Select(t => t is ConstructorInfo c ? c.DeclaringType! : ((MethodInfo)t).ReturnType)
        .Where(t => t.Assembly == typeof(Scalar).Assembly)
        .Distinct()
        .ToArray();

    /// <summary>
    /// Finds TorchSharp methods that, directly or through the TorchSharp methods they call (a few levels deep),
    /// make a Scalar and pass it on. A virtual call counts the overrides in <paramref name="instantiated"/>:
    /// the types whose instances can be the receiver.
    /// </summary>
    private sealed class ScalarAudit(Type[] instantiated)
    {
        private const int Depth = 4;
        private readonly Dictionary<(MethodBase, int), bool> _seen = new();
        private readonly Dictionary<MethodBase, MethodBase> _via = new();

        /// <summary>How <paramref name="method"/> reaches a Scalar conversion, for the failure message.</summary>
        public string Path(MethodBase method)
        {
            var path = new System.Text.StringBuilder();
            for (var m = method; _via.TryGetValue(m, out var next) && path.Length < 2000; m = next) path.Append(" → ").Append(Name(next));
            return path.ToString();
        }

        public bool MakesTemporaryScalar(MethodBase method) => Makes(method, Depth);

        private bool Makes(MethodBase method, int depth)
        {
            if (!IsTorchSharp(method) || CreatesScalar(method) || depth == 0) return false;
            if (_seen.TryGetValue((method, depth), out bool known)) return known;
            _seen[(method, depth)] = false;
            var culprit = Bodies(method)
                .SelectMany(body => IlCalls.CalledBy(body).Select(call => (Body: body, Call: call)))
                .FirstOrDefault(c => CreatesScalar(c.Call) || Makes(c.Call, depth - 1));
            bool result = culprit.Call is not null;
            if (result && culprit.Body != method) _via.TryAdd(method, culprit.Body);
            if (result) _via.TryAdd(culprit.Body, culprit.Call!);
            _seen[(method, depth)] = result;
            return result;
        }

        /// <summary>The method's own body, the lambdas it declares, and its overrides in instantiated types.</summary>
        private IEnumerable<MethodBase> Bodies(MethodBase method)
        {
            var implementations = new List<MethodBase> { method };
            if (method is MethodInfo { IsVirtual: true, IsFinal: false } virtualMethod)
                implementations.AddRange(instantiated
                    .Where(t => t != method.DeclaringType && method.DeclaringType!.IsAssignableFrom(t))
                    .Select(t => Override(t, virtualMethod))
                    .OfType<MethodBase>());
            foreach (var m in implementations.Distinct())
            {
                yield return m;
                // C# compiles a lambda in m to a method named <m>b__N on the type or on a nested closure class.
                var declaring = m.DeclaringType!;
                foreach (var type in declaring.GetNestedTypes(BindingFlags.NonPublic).Append(declaring))
                    foreach (var lambda in IlCalls.MethodsOf(type).Where(b => b.Name.StartsWith($"<{m.Name}>", StringComparison.Ordinal)))
                        yield return lambda;
            }
        }

        private static MethodInfo? Override(Type type, MethodInfo virtualMethod)
        {
            var baseDefinition = virtualMethod.GetBaseDefinition();
            for (var t = type; t is not null && t != virtualMethod.DeclaringType; t = t.BaseType)
            {
                var found = t.GetMethods(BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.DeclaredOnly)
                    .FirstOrDefault(m => m.GetBaseDefinition() == baseDefinition);
                if (found is not null) return found;
            }
            return null;
        }
    }
}
