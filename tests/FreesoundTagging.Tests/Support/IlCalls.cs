using System.Reflection;
using System.Reflection.Emit;

namespace FreesoundTagging.Tests.Support;

/// <summary>The methods a method body calls, read from its IL: enough to audit how code uses a library.</summary>
public static class IlCalls
{
    private const BindingFlags Everything =
        BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;

    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>Every method and constructor declared in <paramref name="assembly"/> that has a body.</summary>
    public static IEnumerable<MethodBase> MethodsOf(Assembly assembly) =>
        assembly.GetTypes().SelectMany(MethodsOf);

    public static IEnumerable<MethodBase> MethodsOf(Type type) =>
        type.GetMethods(Everything).Cast<MethodBase>().Concat(type.GetConstructors(Everything))
            .Where(m => m.GetMethodBody() is not null);

    /// <summary>Targets of call, callvirt, newobj and ldftn in <paramref name="method"/>'s body. Tokens that
    /// cannot be resolved outside a generic instantiation are skipped.</summary>
    public static IEnumerable<MethodBase> CalledBy(MethodBase method)
    {
        byte[]? il = method.GetMethodBody()?.GetILAsByteArray();
        if (il is null) yield break;
        Type[]? typeArguments = method.DeclaringType is { IsGenericType: true } t ? t.GetGenericArguments() : null;
        Type[]? methodArguments = method.IsGenericMethod ? method.GetGenericArguments() : null;
        int at = 0;
        while (at < il.Length)
        {
            short value = il[at] == 0xFE ? (short)(0xFE00 | il[at + 1]) : il[at];
            var op = OpCodesByValue[value];
            at += op.Size;
            if (op.OperandType == OperandType.InlineMethod)
            {
                int token = BitConverter.ToInt32(il, at);
                MethodBase? target = null;
                try { target = method.Module.ResolveMethod(token, typeArguments, methodArguments); }
                catch (ArgumentException) { }
                if (target is not null) yield return target;
            }
            at += OperandSize(op, il, at);
        }
    }

    private static int OperandSize(OpCode op, byte[] il, int at) => op.OperandType switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, at),
        _ => 4,
    };
}
