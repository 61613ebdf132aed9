using System.Buffers;
using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using MessagePack;
using MessagePack.Formatters;
using MessagePack.Resolvers;

namespace TaskGraph.Wire;

/// <summary>
/// User data types that cross process boundaries through MessagePack, as .NET users expect: a type annotated with
/// <see cref="MessagePackObjectAttribute"/> (or <see cref="MessagePackFormatterAttribute"/>), or one whose formatter
/// is registered here, is written by MessagePack as one tagged payload instead of field by field. Everything else
/// (arrays and columns as raw memory, delegates and closures, plain records and objects) keeps TaskGraph's own
/// encoding.
/// <para>Reading treats the payload as hostile like any other bytes: the type identity passes the same
/// allow-list and assembly checks (<see cref="Identities"/>), the type must be a MessagePack type in the reading
/// process too, the payload's length is bounded by <see cref="WireLimits"/> and checked against the bytes there,
/// MessagePack runs with <see cref="MessagePackSecurity.UntrustedData"/> and the depth left under
/// <see cref="WireLimits.MaxDepth"/>, and every failure is a <see cref="WireException"/> naming the type and the
/// byte offset. Only MessagePack's standard resolvers are used (never the typeless one, which names types in the
/// payload). An object met twice in one value is written twice (MessagePack has no references).</para>
/// <para>Where dynamic code is off (<see cref="DynamicCode.Allowed"/>: a file-based app's default PublishAot=true),
/// only the standard resolvers that generate no code are used, with the same security options; a type that needs a
/// generated formatter fails with a <see cref="WireException"/> naming it (<see cref="DynamicCode.Required"/>).</para>
/// <para>Plain records and objects without attributes keep the field walk (<see cref="TypeShape"/>): inside the codec
/// MessagePack's contractless resolver was not reliably faster (benchmarks/…/Micro/WireMessagePack.cs), and it
/// would lose private fields, shared references and cycles, runtime types of fields declared as a base type, and
/// would run constructors and setters on bytes from another process.</para>
/// </summary>
public static class MessagePackTypes
{
    private static readonly ConcurrentDictionary<Type, object> Registered = new();
    private static readonly ConcurrentDictionary<Type, bool> Known = new();
    // Keyed by depth, negated for the resolver without dynamic code.
    private static readonly ConcurrentDictionary<int, MessagePackSerializerOptions> OptionsByDepth = new();

    /// <summary>
    /// Sends values of <typeparamref name="T"/> through MessagePack with <paramref name="formatter"/>. Register in
    /// both processes before the first value of <typeparamref name="T"/> crosses: a <c>[ModuleInitializer]</c> in
    /// the assembly that defines the formatter does both, since a worker runs it when it first reads a type of that
    /// assembly.
    /// </summary>
    /// <exception cref="InvalidOperationException">A value of <typeparamref name="T"/> has crossed already, or another formatter is registered for it.</exception>
    public static void Register<T>(IMessagePackFormatter<T> formatter)
    {
        ArgumentNullException.ThrowIfNull(formatter);
        if (Known.ContainsKey(typeof(T)) && !Registered.ContainsKey(typeof(T)))
            throw new InvalidOperationException($"Values of {typeof(T)} have crossed a process boundary already: register its MessagePack formatter before the first one (e.g. in a [ModuleInitializer]).");
        if (!Registered.TryAdd(typeof(T), formatter) && !ReferenceEquals(Registered[typeof(T)], formatter))
            throw new InvalidOperationException($"A MessagePack formatter for {typeof(T)} is registered already.");
        Known[typeof(T)] = true;
    }

    /// <summary>
    /// True when values of <paramref name="type"/> cross through MessagePack: the type is annotated with
    /// <see cref="MessagePackObjectAttribute"/> or <see cref="MessagePackFormatterAttribute"/>, or has a registered formatter.
    /// </summary>
    public static bool Handles(Type type)
    {
        ArgumentNullException.ThrowIfNull(type);
        return Known.TryGetValue(type, out var known) ? known : Known.GetOrAdd(type, Inspect);
    }

    private static bool Inspect(Type type)
    {
        if (type.IsArray || type.IsPrimitive || type.IsEnum || type.IsPointer || type == typeof(string)) return false;
        // Registrations in the type's assembly's module initializer happen before the type is judged (a worker reads
        // the type before anything else of that assembly has run).
        if (!type.Assembly.IsDynamic) RuntimeHelpers.RunModuleConstructor(type.Module.ModuleHandle);
        return Registered.ContainsKey(type)
               || type.IsDefined(typeof(MessagePackObjectAttribute), inherit: false)
               || type.IsDefined(typeof(MessagePackFormatterAttribute), inherit: false);
    }

    [ThreadStatic] private static int _writeDepth;
    [ThreadStatic] private static int _writeMaxDepth;

    /// <summary>
    /// Serializes <paramref name="value"/> into <paramref name="buffer"/> (which is cleared first), nesting at most
    /// <paramref name="maxDepth"/> levels: MessagePack itself bounds depth only when reading, and a value the reader
    /// would refuse (or deep enough to overflow this thread's stack) is refused here instead.
    /// </summary>
    internal static void Serialize(ArrayBufferWriter<byte> buffer, Type type, object value, int maxDepth)
    {
        buffer.ResetWrittenCount();
        int savedDepth = _writeDepth, savedMax = _writeMaxDepth;
        _writeDepth = 0;
        _writeMaxDepth = Math.Max(1, maxDepth);
        try
        {
            MessagePackSerializer.Serialize(type, buffer, value, Options(maxDepth));
        }
        finally
        {
            _writeDepth = savedDepth;
            _writeMaxDepth = savedMax;
        }
    }

    /// <summary>
    /// Deserializes one value of <paramref name="type"/> from all of <paramref name="payload"/>, read at byte
    /// <paramref name="offset"/> of the message, nesting at most <paramref name="maxDepth"/> levels. Any failure
    /// (malformed bytes, bytes left over, a limit, a formatter's own exception) is a <see cref="WireException"/>.
    /// </summary>
    internal static object Deserialize(Type type, ReadOnlyMemory<byte> payload, int maxDepth, long offset)
    {
        try
        {
            var reader = new MessagePackReader(payload);
            var value = MessagePackSerializer.Deserialize(type, ref reader, Options(maxDepth));
            if (reader.Consumed != payload.Length)
                throw new WireException($"Malformed message: the MessagePack payload of {type} at byte {offset} has {payload.Length - reader.Consumed} bytes after the value.");
            // The encoder writes null as null, never as a MessagePack payload.
            if (!type.IsInstanceOfType(value))
                throw new WireException($"Malformed message: the MessagePack payload of {type} at byte {offset} decoded to {(value is null ? "null" : "a " + value.GetType())}.");
            return value;
        }
        catch (Exception e) when (e is not WireException)
        {
            var cause = e is MessagePackSerializationException { InnerException: { } inner } ? inner : e;
            if (cause is WireException clear) throw clear;
            throw new WireException($"Malformed message: MessagePack could not read {type} from the payload of {payload.Length} bytes at byte {offset}: {cause.GetType().Name}: {cause.Message}", "", e);
        }
    }

    // Options per depth and per path: resolvers that may generate code, or ones that never do (DynamicCode.Allowed).
    private static MessagePackSerializerOptions Options(int maxDepth)
    {
        maxDepth = Math.Max(1, maxDepth);
        bool dynamic = DynamicCode.Allowed;
        int key = dynamic ? maxDepth : -maxDepth;
        return OptionsByDepth.TryGetValue(key, out var o) ? o : OptionsByDepth.GetOrAdd(key, static (_, a) =>
            MessagePackSerializerOptions.Standard
                .WithResolver(a.Dynamic ? Resolver.Instance : StaticResolver.Instance)
                .WithSecurity(MessagePackSecurity.UntrustedData.WithMaximumObjectGraphDepth(a.Depth)), (Dynamic: dynamic, Depth: maxDepth));
    }

    /// <summary>Registered formatters first, then MessagePack's standard resolver (attributes, built-in types).</summary>
    private sealed class Resolver : IFormatterResolver
    {
        public static readonly Resolver Instance = new();

        public IMessagePackFormatter<T>? GetFormatter<T>() => Cache<T>.Formatter;

        private static class Cache<T>
        {
            public static readonly IMessagePackFormatter<T>? Formatter = Guard(Registered.TryGetValue(typeof(T), out var f)
                ? (IMessagePackFormatter<T>)f
                : StandardResolver.Instance.GetFormatter<T>());
        }
    }

    /// <summary>
    /// Where dynamic code is not allowed: registered formatters, then the parts of MessagePack's standard resolver
    /// that generate no code, in the same order (built-in types, <see cref="MessagePackFormatterAttribute"/>,
    /// immutable collections, enums, generic collections and tuples, <c>object</c> as primitives). A type only the
    /// dynamic resolvers handle (<see cref="MessagePackObjectAttribute"/> or <see cref="UnionAttribute"/> without
    /// a formatter) gets a formatter that throws <see cref="DynamicCode.Required"/> naming it.
    /// </summary>
    private sealed class StaticResolver : IFormatterResolver
    {
        public static readonly StaticResolver Instance = new();

        public IMessagePackFormatter<T>? GetFormatter<T>() => Cache<T>.Formatter;

        private static class Cache<T>
        {
            public static readonly IMessagePackFormatter<T>? Formatter = Guard(Registered.TryGetValue(typeof(T), out var f)
                ? (IMessagePackFormatter<T>)f
                : BuiltinResolver.Instance.GetFormatter<T>()
                  ?? AttributeFormatterResolver.Instance.GetFormatter<T>()
                  ?? MessagePack.ImmutableCollection.ImmutableCollectionResolver.Instance.GetFormatter<T>()
                  ?? ExpandoObjectResolver.Instance.GetFormatter<T>()
                  ?? (typeof(T).IsEnum ? (IMessagePackFormatter<T>)Activator.CreateInstance(typeof(GenericEnumFormatter<>).MakeGenericType(typeof(T)))! : null)
                  ?? DynamicGenericResolver.Instance.GetFormatter<T>()
                  ?? (typeof(T) == typeof(object) ? (IMessagePackFormatter<T>)PrimitiveObjectFormatter.Instance : null)
                  ?? new NeedsDynamicCode<T>());
        }
    }

    // Values that can hold other values nest: count their depth while writing, and check the stack both ways
    // (a registered formatter may recurse without MessagePack's own depth step).
    private static IMessagePackFormatter<T>? Guard<T>(IMessagePackFormatter<T>? inner)
        => inner is null || typeof(T).IsPrimitive || typeof(T).IsEnum || typeof(T) == typeof(string) ? inner : new Guarded<T>(inner);

    private sealed class NeedsDynamicCode<T> : IMessagePackFormatter<T>
    {
        public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options) => throw Error();

        public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options) => throw Error();

        private static WireException Error() => DynamicCode.Required(typeof(T), "MessagePack's dynamic formatter for it",
            $"give {typeof(T).Name} a formatter that needs none (MessagePackTypes.Register or [MessagePackFormatter])");
    }

    private sealed class Guarded<T>(IMessagePackFormatter<T> inner) : IMessagePackFormatter<T>
    {
        public void Serialize(ref MessagePackWriter writer, T value, MessagePackSerializerOptions options)
        {
            if (++_writeDepth > _writeMaxDepth)
                throw new WireException($"The value is nested deeper than {_writeMaxDepth} levels (WireLimits.MaxDepth, counting MessagePack values); send a long linked chain as a list.");
            RuntimeHelpers.EnsureSufficientExecutionStack();
            try { inner.Serialize(ref writer, value, options); }
            finally { _writeDepth--; }
        }

        public T Deserialize(ref MessagePackReader reader, MessagePackSerializerOptions options)
        {
            RuntimeHelpers.EnsureSufficientExecutionStack();
            return inner.Deserialize(ref reader, options);
        }
    }
}
