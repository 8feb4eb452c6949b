using System.Reflection;
using FreesoundTagging.Scoring;
using FreesoundTagging.Tests.Support;
using Xunit;

namespace FreesoundTagging.Tests.Scoring;

/// <summary>Scoring sits below training and inference, which both use it: it must never reach back up to them.</summary>
public class ScoringLayerTests
{
    private static readonly string[] Above = ["FreesoundTagging.Training", "FreesoundTagging.Inference", "FreesoundTagging.Reporting"];

    [Fact]
    public void ScoringUsesNothingFromTrainingOrInference()
    {
        var scoring = typeof(ClipScorer).Assembly.GetTypes().Where(t => t.Namespace == typeof(ClipScorer).Namespace).ToList();
        Assert.Contains(typeof(EnsembleScorer), scoring);
        var uses = new List<string>();
        foreach (var type in scoring)
        {
            const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            var signatures = type.GetFields(all).Select(f => (f.Name, f.FieldType))
                .Concat(IlCalls.MethodsOf(type).SelectMany(m => m.GetParameters().Select(p => (m.Name, p.ParameterType))))
                .Concat(IlCalls.MethodsOf(type).OfType<MethodInfo>().Select(m => (m.Name, m.ReturnType)));
            foreach (var (name, used) in signatures)
                if (IsAbove(used)) uses.Add($"{type.Name}.{name}: {used}");
            foreach (var method in IlCalls.MethodsOf(type))
                foreach (var called in IlCalls.CalledBy(method))
                    if (IsAbove(called.DeclaringType)) uses.Add($"{type.Name}.{method.Name} calls {called.DeclaringType}.{called.Name}");
        }
        Assert.True(uses.Count == 0, string.Join("\n", uses));
    }

    private static bool IsAbove(Type? type) =>
        type is not null && (Above.Any(n => type.Namespace?.StartsWith(n, StringComparison.Ordinal) == true)
            || type.GetElementType() is { } element && IsAbove(element)
            || type.IsGenericType && type.GetGenericArguments().Any(IsAbove));
}
