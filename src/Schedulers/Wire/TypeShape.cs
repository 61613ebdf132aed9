using System.Collections.Concurrent;
using System.Reflection;
using System.Reflection.Emit;
using System.Runtime.CompilerServices;

namespace TaskGraph.Wire;

/// <summary>How the codec handles one type; computed once per type and cached.</summary>
internal enum ShapeKind : byte
{
    /// <summary>Cannot cross a process boundary (<see cref="TypeShape.Refusal"/> says why).</summary>
    Refused,
    /// <summary>An array whose elements hold no references: sent as raw memory.</summary>
    RawArray,
    /// <summary>Any other one-dimensional array: element by element.</summary>
    Array,
    /// <summary>A <c>Dictionary&lt;K,V&gt;</c>: rebuilt by insertion (string hash codes differ per process).</summary>
    Dictionary,
    /// <summary>A <c>HashSet&lt;T&gt;</c>: rebuilt by insertion.</summary>
    HashSet,
    /// <summary>A class or struct: field by field, through compiled accessors.</summary>
    Fields,
    /// <summary>An enum: its underlying integer.</summary>
    Enum,
    /// <summary>A delegate: method identity plus target.</summary>
    Delegate,
    /// <summary>A user type annotated for MessagePack (or with a registered formatter): one MessagePack payload.</summary>
    MessagePack,
}

/// <summary>
/// One instance field and its accessors (boxed get and set): written once as IL where the runtime allows dynamic code,
/// else through reflection with the same checks (<see cref="TypeShape"/>).
/// </summary>
internal sealed class FieldShape(FieldInfo field, Func<object, object?> get, Action<object, object?> set)
{
    public FieldInfo Field { get; } = field;
    public Func<object, object?> Get { get; } = get;
    public Action<object, object?> Set { get; } = set;
    /// <summary>Field identity used by the closure cleaner (stable across generic instantiations).</summary>
    public (Module, int) Key { get; } = (field.Module, field.MetadataToken);
}

/// <summary>
/// The codec's cached view of a type: its kind, and for plain objects the instance fields (base classes
/// included) with compiled accessors. Framework types are refused unless they are known to be plain data, so
/// a stream, a lock, a thread or a handle captured by a lambda is caught before any work runs.
/// <para>Where the runtime forbids dynamic code (<see cref="DynamicCode.Allowed"/>), the accessors are reflection
/// (<see cref="FieldInfo.GetValue"/>/<see cref="FieldInfo.SetValue(object, object)"/>) and accept exactly the
/// values the compiled ones accept (an <c>unbox.any</c>/<c>castclass</c>, no conversions). Shapes are cached per
/// path.</para>
/// </summary>
internal sealed class TypeShape
{
    private static readonly ConcurrentDictionary<Type, TypeShape> Compiled = new();
    private static readonly ConcurrentDictionary<Type, TypeShape> Reflected = new();

    public Type Type { get; }
    public ShapeKind Kind { get; }
    public string? Refusal { get; }
    public FieldShape[] Fields { get; } = [];
    public bool IsClosure { get; }
    public int ElementSize { get; }

    /// <summary>For raw arrays: makes an array of the given length without zeroing it (it is overwritten at once).</summary>
    public Func<int, Array>? NewUninitialized { get; }
    public Type? Element { get; }

    private TypeShape(Type type, bool compiled)
    {
        Type = type;
        IsClosure = type.IsDefined(typeof(CompilerGeneratedAttribute), false) && type.Name.Contains("DisplayClass");
        // The user chose MessagePack for this type: it decides what crosses (checked before refusals, which are
        // about sending fields raw).
        if (MessagePackTypes.Handles(type)) { Kind = ShapeKind.MessagePack; return; }
        Refusal = RefusalOf(type);
        if (Refusal is not null) { Kind = ShapeKind.Refused; return; }
        if (type.IsEnum) { Kind = ShapeKind.Enum; return; }
        if (typeof(Delegate).IsAssignableFrom(type)) { Kind = ShapeKind.Delegate; return; }
        if (type.IsArray)
        {
            Element = type.GetElementType()!;
            if (!type.IsSZArray) { Kind = ShapeKind.Refused; Refusal = "a multi-dimensional array (use jagged arrays)"; return; }
            if (IsBlittable(Element))
            {
                Kind = ShapeKind.RawArray;
                ElementSize = SizeOf(Element);
                // A generic instantiation, not generated code: the JIT compiles it also where dynamic code is off.
                NewUninitialized = typeof(TypeShape).GetMethod(nameof(Uninitialized), BindingFlags.NonPublic | BindingFlags.Static)!
                    .MakeGenericMethod(Element).CreateDelegate<Func<int, Array>>();
            }
            else Kind = ShapeKind.Array;
            return;
        }
        if (type.IsGenericType)
        {
            var def = type.GetGenericTypeDefinition();
            if (def == typeof(Dictionary<,>)) { Kind = ShapeKind.Dictionary; return; }
            if (def == typeof(HashSet<>)) { Kind = ShapeKind.HashSet; return; }
        }
        Kind = ShapeKind.Fields;
        var fields = new List<FieldShape>();
        for (var t = type; t is not null && t != typeof(object) && t != typeof(ValueType); t = t.BaseType)
            foreach (var f in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly))
            {
                if (f.FieldType.IsPointer || f.FieldType.IsFunctionPointer || f.FieldType == typeof(IntPtr) || f.FieldType == typeof(UIntPtr))
                {
                    Kind = ShapeKind.Refused;
                    Refusal = $"a native pointer (field '{f.Name}')";
                    return;
                }
                fields.Add(compiled ? new FieldShape(f, Getter(f), Setter(f)) : new FieldShape(f, f.GetValue, ReflectionSetter(f)));
            }
        Fields = fields.ToArray();
    }

    public static TypeShape Of(Type type)
    {
        bool compiled = DynamicCode.Allowed;
        var cache = compiled ? Compiled : Reflected;
        return cache.TryGetValue(type, out var s) ? s : cache.GetOrAdd(type, static (t, c) => new TypeShape(t, c), compiled);
    }

    private static readonly HashSet<Type> FrameworkData =
    [
        typeof(object), typeof(decimal), typeof(DateTime), typeof(DateTimeOffset), typeof(TimeSpan), typeof(Guid),
        typeof(DateOnly), typeof(TimeOnly), typeof(Half), typeof(Int128), typeof(UInt128), typeof(System.Numerics.BigInteger),
        typeof(System.Numerics.Complex), typeof(System.Text.StringBuilder),
    ];

    private static readonly HashSet<Type> FrameworkGenerics =
    [
        typeof(List<>), typeof(Dictionary<,>), typeof(HashSet<>), typeof(Queue<>), typeof(Stack<>), typeof(KeyValuePair<,>), typeof(Nullable<>),
        typeof(Tuple<>), typeof(Tuple<,>), typeof(Tuple<,,>), typeof(Tuple<,,,>), typeof(Tuple<,,,,>), typeof(Tuple<,,,,,>), typeof(Tuple<,,,,,,>), typeof(Tuple<,,,,,,,>),
        typeof(ValueTuple<>), typeof(ValueTuple<,>), typeof(ValueTuple<,,>), typeof(ValueTuple<,,,>), typeof(ValueTuple<,,,,>), typeof(ValueTuple<,,,,,>), typeof(ValueTuple<,,,,,,>), typeof(ValueTuple<,,,,,,,>),
        typeof(ArraySegment<>), typeof(ReadOnlyMemory<>), typeof(Memory<>),
    ];

    private static readonly Assembly CoreLib = typeof(object).Assembly;

    /// <summary>Why <paramref name="t"/> cannot cross a process boundary, or null when it can.</summary>
    private static string? RefusalOf(Type t)
    {
        if (t.IsPointer || t.IsFunctionPointer || t == typeof(IntPtr) || t == typeof(UIntPtr)) return "a native pointer";
        if (typeof(Delegate).IsAssignableFrom(t)) return null; // sent as method plus target, never by fields
        if (typeof(Stream).IsAssignableFrom(t)) return "a stream";
        if (typeof(WaitHandle).IsAssignableFrom(t) || t == typeof(Lock) || t == typeof(SemaphoreSlim) || t == typeof(ManualResetEventSlim) || t == typeof(ReaderWriterLockSlim))
            return "a lock or wait handle";
        if (typeof(Thread).IsAssignableFrom(t)) return "a thread";
        if (typeof(Task).IsAssignableFrom(t) || t == typeof(CancellationTokenSource) || t == typeof(CancellationToken)) return "a task or cancellation token of this process";
        if (typeof(System.Runtime.InteropServices.SafeHandle).IsAssignableFrom(t)) return "an operating-system handle";
        if (typeof(MarshalByRefObject).IsAssignableFrom(t)) return "an object bound to this process (a MarshalByRefObject: process, stream, timer…)";
        if (typeof(MemberInfo).IsAssignableFrom(t) || typeof(Assembly).IsAssignableFrom(t) || typeof(Module).IsAssignableFrom(t)) return "reflection state (only Type and MethodInfo values cross)";
        if (t.IsArray) return t.GetElementType() is { } e ? RefusalOf(e) : null;
        if (t.IsEnum || t.IsPrimitive || t == typeof(string)) return null;
        // A finalizer releases something this process owns; the decoder builds objects without constructors, so a
        // half-built copy's finalizer would run on fields from the wire.
        if (t.IsClass && t.GetMethod("Finalize", BindingFlags.Instance | BindingFlags.NonPublic)?.DeclaringType is { } fin && fin != typeof(object))
            return $"an object with a finalizer (it owns a resource of this process: '{fin}')";
        var asm = t.Assembly;
        // Code compiled in memory (a notebook cell) is decided per use by Identities, not cached here: the process
        // pool ships it, the cluster refuses it.
        if (asm.IsDynamic) return Identities.InMemoryMessage(asm);
        bool framework = asm == CoreLib || (asm.GetName().Name is { } n && (n.StartsWith("System.", StringComparison.Ordinal) || n.StartsWith("Microsoft.", StringComparison.Ordinal)) && IsFrameworkFile(asm));
        if (!framework) return null;
        if (FrameworkData.Contains(t)) return null;
        if (t.IsGenericType && FrameworkGenerics.Contains(t.GetGenericTypeDefinition())) return null;
        return $"a framework type the wire format does not know ({t})";
    }

    private static readonly string RuntimeDir = Path.GetDirectoryName(typeof(object).Assembly.Location)!;

    private static bool IsFrameworkFile(Assembly a) => Path.GetDirectoryName(a.Location) is { } d && Path.GetDirectoryName(d) == Path.GetDirectoryName(RuntimeDir);

    private static readonly ConcurrentDictionary<Type, bool> Blittable = new();

    /// <summary>True for value types without references (their memory is their value).</summary>
    public static bool IsBlittable(Type t) => Blittable.GetOrAdd(t, static t =>
    {
        if (!t.IsValueType || t == typeof(IntPtr) || t == typeof(UIntPtr) || t.IsPointer) return false;
        if (t.IsPrimitive || t.IsEnum) return true;
        var m = typeof(RuntimeHelpers).GetMethod(nameof(RuntimeHelpers.IsReferenceOrContainsReferences))!.MakeGenericMethod(t);
        if ((bool)m.Invoke(null, null)!) return false;
        foreach (var f in t.GetFields(BindingFlags.Instance | BindingFlags.Public | BindingFlags.NonPublic))
            if (f.FieldType == typeof(IntPtr) || f.FieldType == typeof(UIntPtr) || f.FieldType.IsPointer) return false;
        return true;
    });

    private static Array Uninitialized<T>(int n) => GC.AllocateUninitializedArray<T>(n);

    private static int SizeOf(Type t) => (int)typeof(Unsafe).GetMethod(nameof(Unsafe.SizeOf))!.MakeGenericMethod(t).Invoke(null, null)!;

    private static Func<object, object?> Getter(FieldInfo f)
    {
        var dm = new DynamicMethod("get_" + f.Name, typeof(object), [typeof(object)], typeof(TypeShape).Module, skipVisibility: true);
        var il = dm.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        var owner = f.DeclaringType!;
        il.Emit(owner.IsValueType ? OpCodes.Unbox : OpCodes.Castclass, owner);
        il.Emit(OpCodes.Ldfld, f);
        if (f.FieldType.IsValueType) il.Emit(OpCodes.Box, f.FieldType);
        il.Emit(OpCodes.Ret);
        return dm.CreateDelegate<Func<object, object?>>();
    }

    private static Action<object, object?> Setter(FieldInfo f)
    {
        var dm = new DynamicMethod("set_" + f.Name, null, [typeof(object), typeof(object)], typeof(TypeShape).Module, skipVisibility: true);
        var il = dm.GetILGenerator();
        il.Emit(OpCodes.Ldarg_0);
        var owner = f.DeclaringType!;
        il.Emit(owner.IsValueType ? OpCodes.Unbox : OpCodes.Castclass, owner);
        il.Emit(OpCodes.Ldarg_1);
        il.Emit(OpCodes.Unbox_Any, f.FieldType);
        il.Emit(OpCodes.Stfld, f);
        il.Emit(OpCodes.Ret);
        return dm.CreateDelegate<Action<object, object?>>();
    }

    /// <summary>
    /// The reflection counterpart of <see cref="Setter"/>: accepts what its <c>castclass</c>/<c>unbox.any</c> accepts
    /// and nothing more (<see cref="FieldInfo.SetValue(object, object)"/> alone would widen an int into a long field).
    /// For a value-type field that is the exact type, or (not for a nullable field) an enum for its underlying
    /// integer type and back.
    /// </summary>
    private static Action<object, object?> ReflectionSetter(FieldInfo f)
    {
        var declared = f.FieldType;
        if (!declared.IsValueType)
            return (o, v) =>
            {
                if (v is not null && !declared.IsInstanceOfType(v)) throw CastFailure(v, f);
                f.SetValue(o, v);
            };
        var nullable = Nullable.GetUnderlyingType(declared);
        var target = nullable ?? declared;
        // unbox.any into a Nullable<T> takes exactly a T (no enum for its integer type).
        var targetInteger = nullable is null ? IntegerOf(target) : null;
        return (o, v) =>
        {
            if (v is null)
            {
                if (nullable is null) throw new NullReferenceException($"Field '{f.Name}' of {f.DeclaringType} is a {declared}, which cannot be null.");
            }
            else if (v.GetType() != target)
            {
                if (targetInteger is null || IntegerOf(v.GetType()) != targetInteger) throw CastFailure(v, f);
                v = target.IsEnum ? Enum.ToObject(target, v) : Convert.ChangeType(v, target, System.Globalization.CultureInfo.InvariantCulture);
            }
            f.SetValue(o, v);
        };
    }

    // The primitive behind an enum or a primitive (what unbox.any compares), else null.
    private static Type? IntegerOf(Type t) => t.IsEnum ? Enum.GetUnderlyingType(t) : t.IsPrimitive ? t : null;

    private static InvalidCastException CastFailure(object v, FieldInfo f) =>
        new($"Unable to cast a {v.GetType()} to {f.FieldType} (field '{f.Name}' of {f.DeclaringType}).");
}
