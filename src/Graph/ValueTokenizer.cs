using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace TaskGraph;

/// <summary>
/// Fingerprints literal values, types, methods and closure objects for deterministic keys (Dask's <c>tokenize</c>).
/// Values are fingerprinted by content and type: equal dictionaries and sets give equal tokens whatever their
/// insertion order, lists and arrays are fingerprinted element by element (unmanaged elements over their raw memory),
/// records and closures by their fields, and collections of different types never share a token
/// (<c>List&lt;int&gt; {1, 2}</c>, <c>int[] {1, 2}</c> and <c>HashSet&lt;int&gt; {1, 2}</c> are three tokens).
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
        var b = new TokenBuilder(TokenDomains.Unique);
        b.Add(ProcessSeed);
        b.Add((ulong)Interlocked.Increment(ref _uniqueCounter));
        return b.Finish();
    }

    /// <summary>The token of a type: its module version id, metadata token and generic arguments.</summary>
    public static Token OfType(Type type) => TypeTokens.GetOrAdd(type, static t =>
    {
        var b = new TokenBuilder(TokenDomains.Type);
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
        var b = new TokenBuilder(TokenDomains.Method);
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
            case Token t: b.Add(19); b.Add(t); return true;
            case TaskKey k: b.Add(20); b.Add(k.Token); return true;
            case TaskSpec s: b.Add(20); b.Add(s.Key.Token); return true; // a task stands for its result: its key
            case IDelayed d: b.Add(20); b.Add(d.Spec.Key.Token); return true;
            case TaskFunction f: b.Add(21); b.Add(f.Token); return f.IsDeterministic;
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
        if (value is IDictionary dict) return TryAddUnordered(ref b, type, DictionaryEntries(dict), dict.Count, depth);
        if (IsSet(type)) return TryAddUnordered(ref b, type, (IEnumerable)value, -1, depth);
        if (value is ICollection seq) return TryAddSequence(ref b, type, seq, depth);
        if (IsClosure(type) || IsRecord(type) || ByFields(type)) return TryAddFields(ref b, value, type, depth);
        return false;
    }

    /// <summary>The token of <paramref name="value"/> in the domain <paramref name="tag"/>, or null when it cannot be fingerprinted.</summary>
    public static Token? TryTokenize(object? value, string tag = "value")
    {
        var b = new TokenBuilder(tag);
        return TryAdd(ref b, value) ? b.Finish() : null;
    }

    private static IEnumerable DictionaryEntries(IDictionary dict)
    {
        foreach (DictionaryEntry e in dict) yield return (e.Key, e.Value);
    }

    /// <summary>
    /// Adds the elements of an unordered collection (a dictionary's entries, a set's items) independently of their
    /// order: each element is fingerprinted alone and the element tokens are added sorted
    /// (dask/tests/test_tokenize.py::test_tokenize_dict, ::test_tokenize_set).
    /// </summary>
    private static bool TryAddUnordered(ref TokenBuilder b, Type type, IEnumerable items, int count, int depth)
    {
        if (count > MaxElementwise) return false;
        var tokens = new List<Token>(Math.Max(count, 0));
        foreach (var item in items)
        {
            if (tokens.Count == MaxElementwise) return false;
            var e = new TokenBuilder(TokenDomains.UnorderedElement);
            if (!TryAdd(ref e, item, depth + 1)) return false;
            tokens.Add(e.Finish());
        }
        tokens.Sort(static (x, y) => x.Hi != y.Hi ? x.Hi.CompareTo(y.Hi) : x.Lo.CompareTo(y.Lo));
        b.Add(22);
        b.Add(OfType(type));
        b.Add((ulong)tokens.Count);
        foreach (var t in tokens) b.Add(t);
        return true;
    }

    /// <summary>Adds an ordered collection (a list, a queue) element by element; a <c>List</c> of unmanaged elements over its raw memory.</summary>
    private static bool TryAddSequence(ref TokenBuilder b, Type type, ICollection seq, int depth)
    {
        b.Add(23);
        b.Add(OfType(type));
        b.Add((ulong)seq.Count);
        if (ListBytes.GetOrAdd(type, ListBytesOf) is { } raw) { raw(ref b, seq); return true; }
        if (seq.Count > MaxElementwise) return false; // fingerprinting element by element would cost more than it saves
        foreach (var item in seq)
            if (!TryAdd(ref b, item, depth + 1)) return false;
        return true;
    }

    /// <summary>Above this many elements, a collection of managed elements is not fingerprinted (its task gets a fresh key).</summary>
    private const int MaxElementwise = 10_000;

    private delegate void RawAdder(ref TokenBuilder b, object list);

    private static readonly ConcurrentDictionary<Type, RawAdder?> ListBytes = new();
    private static readonly ConcurrentDictionary<Type, bool> SetTypes = new();
    private static readonly ConcurrentDictionary<Type, bool> RecordTypes = new();

    private static RawAdder? ListBytesOf(Type type)
    {
        if (!type.IsConstructedGenericType || type.GetGenericTypeDefinition() != typeof(List<>)) return null;
        var et = type.GenericTypeArguments[0];
        if (UnmanagedSizes.GetOrAdd(et, UnmanagedSize) == 0) return null;
        return typeof(ValueTokenizer).GetMethod(nameof(AddListBytes), BindingFlags.NonPublic | BindingFlags.Static)!
            .MakeGenericMethod(et).CreateDelegate<RawAdder>();
    }

    private static void AddListBytes<T>(ref TokenBuilder b, object list) where T : unmanaged
        => b.AddBytes(MemoryMarshal.AsBytes(CollectionsMarshal.AsSpan((List<T>)list)));

    private static bool IsUnmanaged(Type t) => t.IsValueType && !(bool)typeof(RuntimeHelpers)
        .GetMethod(nameof(RuntimeHelpers.IsReferenceOrContainsReferences))!.MakeGenericMethod(t).Invoke(null, null)!;

    private static bool IsSet(Type type) => SetTypes.GetOrAdd(type, static t => t.GetInterfaces().Any(i =>
        i.IsConstructedGenericType && (i.GetGenericTypeDefinition() == typeof(ISet<>) || i.GetGenericTypeDefinition() == typeof(IReadOnlySet<>))));

    /// <summary>
    /// True for C# records (classes and structs with a compiler-generated <c>PrintMembers</c>): plain data, fingerprinted
    /// by their fields like Dask's dataclasses (dask/tests/test_tokenize.py::test_tokenize_dataclass).
    /// </summary>
    public static bool IsRecord(Type type) => RecordTypes.GetOrAdd(type, static t =>
        t.GetMethod("PrintMembers", BindingFlags.Instance | BindingFlags.NonPublic | BindingFlags.Public, [typeof(System.Text.StringBuilder)]) is { } m
        && m.IsDefined(typeof(CompilerGeneratedAttribute), false));

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
        for (int d = 1; d < array.Rank; d++) b.Add((ulong)array.GetLength(d));
        if (UnmanagedSizes.GetOrAdd(et, UnmanagedSize) is var size and > 0)
        {
            // Raw memory: equal bits give equal tokens (padding or NaN payloads may split equal values, never join unequal ones).
            // Spans are int-sized: an array of more than 2 GB is hashed a gigabyte at a time.
            ref byte start = ref MemoryMarshal.GetArrayDataReference(array);
            long total = array.LongLength * size;
            for (long offset = 0; offset < total || offset == 0; offset += 1 << 30)
                b.AddBytes(MemoryMarshal.CreateReadOnlySpan(ref Unsafe.Add(ref start, (nint)offset), (int)Math.Min(1 << 30, total - offset)));
            return true;
        }
        if (array.Length > MaxElementwise) return false; // fingerprinting element by element would cost more than it saves
        foreach (var item in array)
            if (!TryAdd(ref b, item, depth + 1)) return false;
        return true;
    }

    private static readonly ConcurrentDictionary<Type, int> UnmanagedSizes = new();

    /// <summary>The size of an unmanaged element type (no references inside), or 0 for any other type.</summary>
    private static int UnmanagedSize(Type t) => IsUnmanaged(t)
        ? (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(t).Invoke(null, null)!
        : 0;

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

    /// <summary>
    /// Adds <paramref name="value"/>'s type and every instance field (through its base classes; fields marked
    /// <see cref="TokenIgnoreAttribute"/> left out); false when a field cannot be fingerprinted. Used for closures,
    /// records and classes marked <see cref="TokenizeByFieldsAttribute"/>, and by <see cref="ITokenizable"/> classes
    /// whose value is their fields.
    /// </summary>
    public static bool TryAddFields(ref TokenBuilder b, object value) => TryAddFields(ref b, value, value.GetType(), 0);

    private static bool ByFields(Type type) => ByFieldsTypes.GetOrAdd(type, static t => t.IsDefined(typeof(TokenizeByFieldsAttribute), true));

    private static readonly ConcurrentDictionary<Type, bool> ByFieldsTypes = new();

    private static bool TryAddFields(ref TokenBuilder b, object value, Type type, int depth)
    {
        var fields = ClosureFields.GetOrAdd(type, static t =>
        {
            var all = new List<FieldInfo>();
            for (var c = t; c is not null && c != typeof(object) && c != typeof(ValueType); c = c.BaseType)
                all.AddRange(c.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly)
                    .Where(f => !f.IsDefined(typeof(TokenIgnoreAttribute), false)));
            return all.ToArray();
        });
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
