using System.Collections.Concurrent;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;

namespace TaskGraph.Wire;

/// <summary>
/// Finds the closure fields a lambda really reads. The compiler puts every captured local of a scope into one
/// closure class, so a lambda's target often holds things it never uses (a process, a stream captured by a
/// sibling lambda). Reading the IL of the lambda — and of the local functions, nested lambdas and async or
/// iterator state machines it reaches inside the same assembly — gives the set of fields it loads; the codec
/// sends only those and leaves the others empty.
/// </summary>
internal static class ClosureCleaner
{
    private static readonly ConcurrentDictionary<MethodInfo, HashSet<(Module, int)>?> Cache = new();
    private static readonly Dictionary<short, OpCode> OpCodeTable = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(f => (OpCode)f.GetValue(null)!)
        .ToDictionary(o => o.Value);

    /// <summary>Fields (module, token) that <paramref name="method"/> can read, or null when the IL could not be analysed (send everything).</summary>
    public static HashSet<(Module, int)>? UsedFields(MethodInfo method) => Cache.GetOrAdd(method, static m =>
    {
        try { return Analyse(m); }
        catch (Exception) { return null; }
    });

    private static HashSet<(Module, int)> Analyse(MethodInfo root)
    {
        var used = new HashSet<(Module, int)>();
        var seen = new HashSet<MethodBase>();
        var work = new Stack<MethodBase>();
        work.Push(root);
        var asm = root.Module.Assembly;
        while (work.Count > 0)
        {
            var m = work.Pop();
            if (!seen.Add(m)) continue;
            var il = m.GetMethodBody()?.GetILAsByteArray();
            if (il is null) continue;
            var typeArgs = m.DeclaringType is { IsGenericType: true } dt ? dt.GetGenericArguments() : null;
            var methodArgs = m.IsGenericMethod ? m.GetGenericArguments() : null;
            for (int pos = 0; pos < il.Length;)
            {
                short code = il[pos++];
                if (code == 0xFE) code = unchecked((short)(0xFE00 | il[pos++]));
                if (!OpCodeTable.TryGetValue(code, out var op)) throw new InvalidOperationException("unknown opcode");
                int operandStart = pos;
                pos += OperandSize(op, il, pos);
                if (op.OperandType == OperandType.InlineField)
                {
                    var f = m.Module.ResolveField(BitConverter.ToInt32(il, operandStart), typeArgs, methodArgs);
                    if (f is null) continue;
                    used.Add((f.Module, f.MetadataToken));
                    // A state machine field written here: its MoveNext is where the captured state is read.
                    if (f.DeclaringType is { } sm && sm.Assembly == asm && IsStateMachine(sm))
                        foreach (var mm in sm.GetMethods(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)) work.Push(mm);
                }
                else if (op.OperandType == OperandType.InlineMethod)
                {
                    MethodBase? callee;
                    try { callee = m.Module.ResolveMethod(BitConverter.ToInt32(il, operandStart), typeArgs, methodArgs); }
                    catch (ArgumentException) { continue; }
                    if (callee is null || callee.Module.Assembly != asm) continue;
                    // Lambdas, local functions and closure methods are compiler-named ("<Main>b__0", "<Main>g__Local|0_1").
                    if (callee.Name.StartsWith('<') || callee.DeclaringType is { } d && IsCompilerGenerated(d)) work.Push(callee);
                }
            }
        }
        return used;
    }

    private static bool IsCompilerGenerated(Type t)
    {
        for (var x = t; x is not null; x = x.DeclaringType)
            if (x.IsDefined(typeof(CompilerGeneratedAttribute), false)) return true;
        return false;
    }

    private static bool IsStateMachine(Type t) => IsCompilerGenerated(t) && (typeof(IAsyncStateMachine).IsAssignableFrom(t) || typeof(System.Collections.IEnumerator).IsAssignableFrom(t));

    private static int OperandSize(OpCode op, byte[] il, int pos) => op.OperandType switch
    {
        OperandType.InlineNone => 0,
        OperandType.ShortInlineBrTarget or OperandType.ShortInlineI or OperandType.ShortInlineVar => 1,
        OperandType.InlineVar => 2,
        OperandType.InlineI8 or OperandType.InlineR => 8,
        OperandType.InlineSwitch => 4 + 4 * BitConverter.ToInt32(il, pos),
        _ => 4,
    };
}
