using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TaskGraph;

/// <summary>
/// Fingerprints literal values, types, methods and closure objects for deterministic keys.
/// What it cannot fingerprint (an arbitrary mutable object) makes the task impure: it gets a fresh key,
/// so two such tasks never collapse by mistake.
/// </summary>
public static class ValueTokenizer
{
    private static readonly ConcurrentDictionary<Type, Token> TypeTokens = new();
    private static readonly ConcurrentDictionary<MethodInfo, Token> MethodTokens = new();
    private static readonly ConcurrentDictionary<Type, FieldInfo[]?> ClosureFields = new();
    private static readonly ulong ProcessSeed = (ulong)Random.Shared.NextInt64() ^ (ulong)Environment.ProcessId << 40;
    private static long _uniqueCounter;

    /// <summary>A token that no other call returns, in this process or any other.</summary>
    public static Token Unique()
    {
        var b = new TokenBuilder(0x554E49515545UL);
        b.Add(ProcessSeed);
        b.Add((ulong)Interlocked.Increment(ref _uniqueCounter));
        return b.Finish();
    }

    /// <summary>The token of a type: its module version id, metadata token and generic arguments.</summary>
    public static Token OfType(Type type) => TypeTokens.GetOrAdd(type, static t =>
    {
        var b = new TokenBuilder(0x54595045UL);
        if (t.IsArray)
        {
            b.Add((ulong)t.GetArrayRank());
            b.Add(OfType(t.GetElementType()!));
            return b.Finish();
        }
        AddModule(ref b, t.Module);
        b.Add((ulong)t.MetadataToken);
        if (t.IsConstructedGenericType)
            foreach (var a in t.GenericTypeArguments) b.Add(OfType(a));
        return b.Finish();
    });

    /// <summary>The token of a method: its module version id, metadata token and generic arguments.</summary>
    public static Token OfMethod(MethodInfo method) => MethodTokens.GetOrAdd(method, static m =>
    {
        var b = new TokenBuilder(0x4D4554484F44UL);
        AddModule(ref b, m.Module);
        b.Add((ulong)m.MetadataToken);
        if (m.DeclaringType is { } dt) b.Add(OfType(dt));
        if (m.IsGenericMethod)
            foreach (var a in m.GetGenericArguments()) b.Add(OfType(a));
        return b.Finish();
    });

    private static void AddModule(ref TokenBuilder b, Module module)
    {
        Span<byte> mvid = stackalloc byte[16];
        module.ModuleVersionId.TryWriteBytes(mvid);
        b.AddBytes(mvid);
    }

    /// <summary>
    /// Adds <paramref name="value"/> to <paramref name="b"/> if it can be fingerprinted deterministically
    /// (primitives, strings, enums, dates, primitive arrays, tuples of such, <see cref="ITokenizable"/>,
    /// compiler-generated closures whose fields are all such); otherwise returns false.
    /// </summary>
    public static bool TryAdd(ref TokenBuilder b, object? value, int depth = 0)
    {
        if (depth > 8) return false;
        switch (value)
        {
            case null: b.Add(0x6E756C6CUL); return true;
            case int i: b.Add(1); b.Add((ulong)i); return true;
            case long l: b.Add(2); b.Add((ulong)l); return true;
            case double d: b.Add(3); b.Add(BitConverter.DoubleToUInt64Bits(d)); return true;
            case string s: b.Add(4); b.Add(s); return true;
            case bool f: b.Add(5); b.Add(f ? 1UL : 0UL); return true;
            case float x: b.Add(6); b.Add(BitConverter.SingleToUInt32Bits(x)); return true;
            case ITokenizable t: b.Add(7); b.Add(OfType(t.GetType())); t.AddToken(ref b); return true;
            case Type t: b.Add(8); b.Add(OfType(t)); return true;
            case DateTime dt: b.Add(9); b.Add((ulong)dt.Ticks); b.Add((ulong)dt.Kind); return true;
            case DateOnly dd: b.Add(10); b.Add((ulong)dd.DayNumber); return true;
            case TimeSpan ts: b.Add(11); b.Add((ulong)ts.Ticks); return true;
            case decimal m:
                b.Add(12);
                Span<int> bits = stackalloc int[4];
                decimal.GetBits(m, bits);
                b.AddBytes(MemoryMarshal.AsBytes(bits));
                return true;
            case Guid g:
                b.Add(13);
                Span<byte> gb = stackalloc byte[16];
                g.TryWriteBytes(gb);
                b.AddBytes(gb);
                return true;
            case Delegate del: return TryAddDelegate(ref b, del, depth);
        }
        var type = value.GetType();
        if (type.IsPrimitive || type.IsEnum)
        {
            b.Add(14);
            b.Add(OfType(type));
            b.Add(PrimitiveBits(value));
            return true;
        }
        if (value is Array array) return TryAddArray(ref b, array, depth);
        if (value is ITuple tuple)
        {
            b.Add(15);
            b.Add(OfType(type));
            for (int i = 0; i < tuple.Length; i++)
                if (!TryAdd(ref b, tuple[i], depth + 1)) return false;
            return true;
        }
        if (IsClosure(type)) return TryAddFields(ref b, value, type, depth);
        return false;
    }

    /// <summary>Adds a delegate's method and target; false when the target cannot be fingerprinted.</summary>
    public static bool TryAddDelegate(ref TokenBuilder b, Delegate del, int depth = 0)
    {
        if (del.HasSingleTarget is false) return false;
        b.Add(16);
        b.Add(OfMethod(del.Method));
        var target = del.Target;
        if (target is null) return true;
        var tt = target.GetType();
        // The cached singleton of non-capturing lambdas ("<>c") holds no state: its type is its identity.
        if (tt.Name == "<>c" && IsCompilerGenerated(tt)) { b.Add(OfType(tt)); return true; }
        return TryAdd(ref b, target, depth + 1);
    }

    private static bool TryAddArray(ref TokenBuilder b, Array array, int depth)
    {
        var et = array.GetType().GetElementType()!;
        b.Add(17);
        b.Add(OfType(array.GetType()));
        b.Add((ulong)array.Length);
        if (et.IsPrimitive && array.Rank == 1)
        {
            b.AddBytes(MemoryMarshal.CreateReadOnlySpan(ref MemoryMarshal.GetArrayDataReference(array), Buffer.ByteLength(array)));
            return true;
        }
        if (array.Length > 10_000) return false; // fingerprinting element by element would cost more than it saves
        foreach (var item in array)
            if (!TryAdd(ref b, item, depth + 1)) return false;
        return true;
    }

    private static ulong PrimitiveBits(object value) => value switch
    {
        char c => c,
        byte x => x,
        sbyte x => unchecked((ulong)x),
        short x => unchecked((ulong)x),
        ushort x => x,
        uint x => x,
        ulong x => x,
        nint x => unchecked((ulong)x),
        nuint x => x,
        Enum e => Enum.GetUnderlyingType(e.GetType()) == typeof(ulong) ? Convert.ToUInt64(e) : unchecked((ulong)Convert.ToInt64(e)),
        _ => throw new InvalidOperationException($"unexpected primitive {value.GetType()}"),
    };

    private static bool TryAddFields(ref TokenBuilder b, object value, Type type, int depth)
    {
        var fields = ClosureFields.GetOrAdd(type, static t =>
            t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic));
        b.Add(18);
        b.Add(OfType(type));
        foreach (var f in fields!)
            if (!TryAdd(ref b, f.GetValue(value), depth + 1)) return false;
        return true;
    }

    /// <summary>True for compiler-generated closure classes (captured variables of a lambda).</summary>
    public static bool IsClosure(Type type) => IsCompilerGenerated(type) && type.IsClass;

    private static bool IsCompilerGenerated(Type type) => type.IsDefined(typeof(CompilerGeneratedAttribute), false);
}
