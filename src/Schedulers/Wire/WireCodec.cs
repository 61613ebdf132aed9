using System.Collections;
using System.Reflection;
using System.Runtime.CompilerServices;

namespace TaskGraph.Wire;

/// <summary>
/// The binary codec of values crossing a process boundary (never BinaryFormatter). Every value starts with a
/// one-byte tag:
/// <list type="bullet">
/// <item>primitives, strings (UTF-16 memory), decimal, DateTime, TimeSpan, Guid: their bytes;</item>
/// <item>arrays of unmanaged elements (<c>double[]</c>, column buffers, array blocks): raw memory, no per-element work;</item>
/// <item>other arrays, dictionaries, hash sets: element by element (sets and dictionaries are rebuilt by insertion,
/// since string hash codes differ per process);</item>
/// <item>records, tuples, lists, plain classes and structs (user types and a list of framework data types):
/// field by field through compiled accessors;</item>
/// <item><see cref="Type"/> and <see cref="MethodInfo"/> identities (with assembly MVID checks);</item>
/// <item>delegates: method identity plus target; a closure target is sent by the fields its lambda reads
/// (<see cref="ClosureCleaner"/>);</item>
/// <item>object references: an object met twice is sent once, so shared objects and cycles survive;</item>
/// <item>user types annotated for MessagePack (or with a registered formatter, <see cref="MessagePackTypes"/>): type
/// identity plus a length-prefixed MessagePack payload.</item>
/// </list>
/// A value that cannot cross (a stream, a lock, a thread, a pointer, a delegate to such a target) throws
/// <see cref="WireException"/> naming the field path.
///
/// <para>Decoding treats the bytes as hostile: objects are built only for types <see cref="TypeShape"/> accepts
/// (without running their constructors or property setters), delegates and methods only for methods the
/// application may call (<see cref="Identities.MayCall"/>); every length is checked against the bytes there and
/// against <see cref="WireLimits"/> before allocating; nesting is bounded. Anything malformed throws
/// <see cref="WireException"/> (the original exception as its inner one); only a stream's own I/O failure
/// (<see cref="IOException"/>, e.g. the peer closed the pipe) passes through as it is.</para>
/// </summary>
internal static class WireCodec
{
    internal enum Tag : byte
    {
        Null, True, False, Int32, Int64, Double, String, Byte, SByte, Int16, UInt16, UInt32, UInt64, Single, Char,
        Decimal, DateTime, TimeSpan, Guid, RawArray, Array, Dictionary, HashSet, Object, Enum, Type, Method, Delegate,
        BackRef, Skip, MessagePack,
    }

    /// <summary>Writes <paramref name="value"/>.</summary>
    public static void Write(WireWriter w, object? value, string rootName = "value") => new Encoder(w, rootName).Write(value);

    /// <summary>Reads one value within <paramref name="limits"/> (default: <see cref="WireLimits.Default"/>).</summary>
    /// <exception cref="WireException">The bytes are malformed, exceed a limit, or name a type or method this process refuses.</exception>
    /// <exception cref="IOException">Reading the underlying stream failed (e.g. <see cref="EndOfStreamException"/>: the peer closed it).</exception>
    public static object? Read(WireReader r, WireLimits? limits = null)
    {
        long start = r.Position;
        try
        {
            return new Decoder(r, limits ?? WireLimits.Default).Read();
        }
        catch (Exception e) when (e is not WireException && !(e is IOException && r.IsStream))
        {
            var cause = e is TargetInvocationException { InnerException: { } inner } ? inner : e;
            throw new WireException($"Malformed message (value starting at byte {start}, failed at byte {r.Position}): {cause.GetType().Name}: {cause.Message}", "", e);
        }
    }

    /// <summary>The encoding of <paramref name="value"/> as a byte array.</summary>
    public static byte[] ToBytes(object? value)
    {
        var w = new WireWriter();
        Write(w, value);
        return w.ToArray();
    }

    /// <summary>
    /// Decodes a value of type <typeparamref name="T"/> from all of <paramref name="bytes"/>; anything else (another
    /// type, null, bytes left over) throws <see cref="WireException"/> like any malformed message.
    /// </summary>
    public static T FromBytes<T>(byte[] bytes, WireLimits? limits = null) where T : class
    {
        var value = FromBytes(bytes, limits);
        return value as T ?? throw new WireException($"Malformed message: expected a {typeof(T).Name}, read {(value is null ? "null" : "a " + value.GetType())}.");
    }

    /// <summary>
    /// Decodes a value from all of <paramref name="bytes"/> within <paramref name="limits"/> (default:
    /// <see cref="WireLimits.Default"/>); bytes left over after the value are malformed too.
    /// </summary>
    /// <exception cref="WireException">The bytes are malformed, exceed a limit, or name a type or method this process refuses.</exception>
    public static object? FromBytes(byte[] bytes, WireLimits? limits = null)
    {
        limits ??= WireLimits.Default;
        if (bytes.Length > limits.MaxMessageBytes)
            throw new WireException($"The message has {bytes.Length} bytes, more than the limit of {limits.MaxMessageBytes} (WireLimits.MaxMessageBytes).");
        var r = WireReader.FromBytes(bytes);
        var value = Read(r, limits);
        if (r.Remaining != 0) throw new WireException($"Malformed message: {r.Remaining} bytes after the value.");
        return value;
    }

    /// <summary>
    /// Throws <see cref="WireException"/> (naming the field path) if <paramref name="value"/> cannot cross a
    /// process boundary. Cheap: large arrays are not copied.
    /// </summary>
    public static void Check(object? value, string rootName = "value") => Write(new WireWriter(), value, rootName);

    private sealed class Encoder(WireWriter w, string root)
    {
        private Dictionary<object, int>? _refs;
        private int _nextRef;
        private readonly List<(string Name, int Index)> _path = [(root, -1)];
        private HashSet<(Module, int)>? _usedFields;
        private int _depth;

        // A list's backing array ("_items") is an implementation detail: "value[1]" reads better than "value._items[1]".
        private string PathText => string.Concat(_path.Select((p, i) => p.Index >= 0 ? $"[{p.Index}]" : i == 0 ? p.Name : p.Name == "_items" ? "" : "." + FieldName(p.Name)));

        public void Write(object? v)
        {
            switch (v)
            {
                case null: w.WriteByte((byte)Tag.Null); return;
                case int i: w.WriteByte((byte)Tag.Int32); w.Write(i); return;
                case long l: w.WriteByte((byte)Tag.Int64); w.Write(l); return;
                case double d: w.WriteByte((byte)Tag.Double); w.Write(d); return;
                case string s: w.WriteByte((byte)Tag.String); w.WriteString(s); return;
                case bool b: w.WriteByte((byte)(b ? Tag.True : Tag.False)); return;
            }
            var type = v.GetType();
            if (type.IsPrimitive && !type.IsEnum) { WritePrimitive(v); return; }
            switch (v)
            {
                case decimal m: w.WriteByte((byte)Tag.Decimal); w.Write(m); return;
                case DateTime dt: w.WriteByte((byte)Tag.DateTime); w.Write(dt.ToBinary()); return;
                case TimeSpan ts: w.WriteByte((byte)Tag.TimeSpan); w.Write(ts.Ticks); return;
                case Guid g: w.WriteByte((byte)Tag.Guid); w.Write(g); return;
                case Type t: w.WriteByte((byte)Tag.Type); WriteType(t); return;
                case MethodInfo mi: WriteMethodValue(mi); return;
                case Delegate del: WriteDelegate(del); return;
            }
            var shape = TypeShape.Of(type);
            if (shape.Kind == ShapeKind.MessagePack) { WriteMessagePack(v, type); return; }
            if (shape.Kind == ShapeKind.Refused) throw new WireException($"{type} cannot cross a process boundary: it is {shape.Refusal}.", PathText);
            if (shape.Kind != ShapeKind.Enum)
            {
                // The decoder refuses deeper values (a stack overflow would kill the reading process), so refuse them here.
                if (_depth >= WireLimits.Default.MaxDepth)
                {
                    var path = PathText;
                    throw new WireException($"The value is nested deeper than {WireLimits.Default.MaxDepth} levels (WireLimits.MaxDepth); send a long linked chain as a list.", path.Length > 200 ? path[..200] + "…" : path);
                }
                _depth++;
                WriteComposite(v, type, shape);
                _depth--;
                return;
            }
            w.WriteByte((byte)Tag.Enum);
            WriteType(type);
            w.Write(Enum.GetUnderlyingType(type) == typeof(ulong) ? unchecked((long)Convert.ToUInt64(v)) : Convert.ToInt64(v));
        }

        private System.Buffers.ArrayBufferWriter<byte>? _messagePack;

        // Type identity, payload length, payload. Not a reference: MessagePack values are written whole each time
        // (the reader does not number them either).
        private void WriteMessagePack(object v, Type type)
        {
            w.WriteByte((byte)Tag.MessagePack);
            WriteType(type);
            var buffer = _messagePack ??= new System.Buffers.ArrayBufferWriter<byte>(256);
            try
            {
                // The reader counts this value as one level more than here (see Decoder.Read).
                MessagePackTypes.Serialize(buffer, type, v, WireLimits.Default.MaxDepth - _depth - 1);
            }
            catch (Exception e)
            {
                var cause = e is MessagePack.MessagePackSerializationException { InnerException: { } inner } ? inner : e;
                if (cause is WireException we) throw new WireException(we.Message, PathText, we.InnerException);
                throw new WireException($"MessagePack could not write {type}: {cause.GetType().Name}: {cause.Message}", PathText, e);
            }
            w.WriteInt32(buffer.WrittenCount);
            w.WriteBytes(buffer.WrittenSpan);
        }

        // Apart from Write, so that its lambda's captures are not allocated on every call of Write.
        private void WriteMethodValue(MethodInfo mi)
        {
            CheckCallable(mi);
            w.WriteByte((byte)Tag.Method);
            Guard(() => Identities.WriteMethod(w, mi));
        }

        private void WriteComposite(object v, Type type, TypeShape shape)
        {
            if (!type.IsValueType)
            {
                // A closure is written cleaned, with only the fields the delegate being written reads; another delegate
                // over the same closure object (the compiler puts all lambdas of a scope in one) needs other fields,
                // so a cleaned closure is written afresh each time instead of referenced. It still takes a reference
                // number, as the reader numbers every object it reads.
                bool cleaned = shape.IsClosure && _usedFields is not null;
                _refs ??= new Dictionary<object, int>(ReferenceEqualityComparer.Instance);
                if (!cleaned && _refs.TryGetValue(v, out int id))
                {
                    w.WriteByte((byte)Tag.BackRef);
                    w.WriteInt32(id);
                    return;
                }
                int number = _nextRef++;
                if (!cleaned) _refs.TryAdd(v, number);
            }
            switch (shape.Kind)
            {
                case ShapeKind.RawArray:
                {
                    var a = (Array)v;
                    w.WriteByte((byte)Tag.RawArray);
                    WriteType(type);
                    w.WriteInt32(a.Length);
                    w.WriteArrayMemory(a, (long)a.Length * shape.ElementSize);
                    return;
                }
                case ShapeKind.Array:
                {
                    var a = v as object?[];
                    w.WriteByte((byte)Tag.Array);
                    WriteType(type);
                    var arr = (Array)v;
                    w.WriteInt32(arr.Length);
                    for (int i = 0; i < arr.Length; i++)
                    {
                        _path.Add(new("", i));
                        Write(a is not null ? a[i] : arr.GetValue(i));
                        _path.RemoveAt(_path.Count - 1);
                    }
                    return;
                }
                case ShapeKind.Dictionary:
                {
                    var d = (IDictionary)v;
                    w.WriteByte((byte)Tag.Dictionary);
                    WriteType(type);
                    WriteComparer(type.GetProperty("Comparer")!.GetValue(v), type.GetGenericArguments()[0]);
                    w.WriteInt32(d.Count);
                    foreach (DictionaryEntry e in d)
                    {
                        _path.Add(new("[key]", -1));
                        Write(e.Key);
                        Write(e.Value);
                        _path.RemoveAt(_path.Count - 1);
                    }
                    return;
                }
                case ShapeKind.HashSet:
                {
                    w.WriteByte((byte)Tag.HashSet);
                    WriteType(type);
                    WriteComparer(type.GetProperty("Comparer")!.GetValue(v), type.GetGenericArguments()[0]);
                    var items = ((IEnumerable)v).Cast<object?>().ToList();
                    w.WriteInt32(items.Count);
                    foreach (var item in items) Write(item);
                    return;
                }
                default:
                {
                    w.WriteByte((byte)Tag.Object);
                    WriteType(type);
                    var used = shape.IsClosure ? _usedFields : null;
                    foreach (var f in shape.Fields)
                    {
                        if (used is not null && !used.Contains(f.Key)) { w.WriteByte((byte)Tag.Skip); continue; }
                        _path.Add(new(f.Field.Name, -1));
                        Write(f.Get(v));
                        _path.RemoveAt(_path.Count - 1);
                    }
                    return;
                }
            }
        }

        private static string FieldName(string n) => n switch
        {
            "<>4__this" => "this",
            _ when n.StartsWith("CS$<>8__locals", StringComparison.Ordinal) => "outer",
            _ when n.StartsWith('<') && n.IndexOf('>') > 1 => n[1..n.IndexOf('>')],
            _ => n,
        };

        private void WriteComparer(object? comparer, Type keyType)
        {
            var defaultComparer = typeof(EqualityComparer<>).MakeGenericType(keyType).GetProperty("Default")!.GetValue(null);
            if (comparer is null || comparer.Equals(defaultComparer)) { w.WriteByte(0); return; }
            if (comparer == (object)StringComparer.Ordinal) { w.WriteByte(1); return; }
            if (comparer == (object)StringComparer.OrdinalIgnoreCase) { w.WriteByte(2); return; }
            if (comparer == (object)StringComparer.InvariantCulture) { w.WriteByte(3); return; }
            if (comparer == (object)StringComparer.InvariantCultureIgnoreCase) { w.WriteByte(4); return; }
            w.WriteByte(5);
            _path.Add(new("comparer", -1));
            Write(comparer);
            _path.RemoveAt(_path.Count - 1);
        }

        private void WritePrimitive(object v)
        {
            switch (v)
            {
                case byte x: w.WriteByte((byte)Tag.Byte); w.Write(x); break;
                case sbyte x: w.WriteByte((byte)Tag.SByte); w.Write(x); break;
                case short x: w.WriteByte((byte)Tag.Int16); w.Write(x); break;
                case ushort x: w.WriteByte((byte)Tag.UInt16); w.Write(x); break;
                case uint x: w.WriteByte((byte)Tag.UInt32); w.Write(x); break;
                case ulong x: w.WriteByte((byte)Tag.UInt64); w.Write(x); break;
                case float x: w.WriteByte((byte)Tag.Single); w.Write(x); break;
                case char x: w.WriteByte((byte)Tag.Char); w.Write(x); break;
                default: throw new WireException($"{v.GetType()} cannot cross a process boundary: it is a native pointer.", PathText);
            }
        }

        // Types met before in this value are written as their number, negated (~n), not as their identity again: a
        // batch of tasks or results names the same few types over and over.
        private Dictionary<Type, int>? _types;

        private void WriteType(Type t)
        {
            _types ??= [];
            if (_types.TryGetValue(t, out int seen))
            {
                w.WriteInt32(~seen);
                return;
            }
            Guard(() => Identities.WriteType(w, t));
            _types.Add(t, _types.Count);
        }

        // The reader refuses it (a message could name Process.Start): say so here, where the path is known.
        private void CheckCallable(MethodInfo m)
        {
            if (Identities.IsPlatform(m.Module.Assembly) && !Identities.MayCall(m))
                throw new WireException($"Method '{m.DeclaringType}.{m.Name}' of the .NET platform cannot cross a process boundary (a worker only calls the application's own methods): wrap it in a lambda, e.g. x => {m.DeclaringType?.Name}.{m.Name}(x).", PathText);
        }

        private void Guard(Action a)
        {
            try { a(); }
            catch (WireException e) when (e.Path.Length == 0) { throw new WireException(e.Message, PathText, e.InnerException); }
        }

        private void WriteDelegate(Delegate d)
        {
            if (d.HasSingleTarget is false) throw new WireException("A multicast delegate cannot cross a process boundary.", PathText);
            var method = d.Method;
            CheckCallable(method);
            w.WriteByte((byte)Tag.Delegate);
            WriteType(d.GetType());
            Guard(() => Identities.WriteMethod(w, method));
            var saved = _usedFields;
            _usedFields = ClosureCleaner.UsedFields(method);
            _path.Add(new("target", -1));
            try
            {
                Write(d.Target);
            }
            finally
            {
                _path.RemoveAt(_path.Count - 1);
                _usedFields = saved;
            }
        }
    }

    private sealed class Decoder(WireReader r, WireLimits limits)
    {
        private List<object>? _refs;
        private readonly long _start = r.Position;
        private int _depth;

        public object? Read()
        {
            var tag = (Tag)r.ReadByte();
            switch (tag)
            {
                case Tag.Null: return null;
                case Tag.True: return true;
                case Tag.False: return false;
                case Tag.Int32: return r.Read<int>();
                case Tag.Int64: return r.Read<long>();
                case Tag.Double: return r.Read<double>();
                case Tag.String: return r.ReadString(limits.MaxStringLength);
                case Tag.Byte: return r.Read<byte>();
                case Tag.SByte: return r.Read<sbyte>();
                case Tag.Int16: return r.Read<short>();
                case Tag.UInt16: return r.Read<ushort>();
                case Tag.UInt32: return r.Read<uint>();
                case Tag.UInt64: return r.Read<ulong>();
                case Tag.Single: return r.Read<float>();
                case Tag.Char: return r.Read<char>();
                case Tag.Decimal: return ReadDecimal();
                case Tag.DateTime: return DateTime.FromBinary(r.Read<long>());
                case Tag.TimeSpan: return new TimeSpan(r.Read<long>());
                case Tag.Guid: return r.Read<Guid>();
                case Tag.Type: return ReadType();
                case Tag.Method: return Identities.ReadMethod(r);
                case Tag.BackRef:
                {
                    int id = r.ReadInt32();
                    if (_refs is null || (uint)id >= (uint)_refs.Count) throw Malformed($"a reference to object {id}, which was not read yet (a cycle through a delegate is not supported)");
                    return _refs[id];
                }
                case Tag.Enum:
                {
                    var t = CheckedType(ShapeKind.Enum, "an enum");
                    return Enum.ToObject(t, r.Read<long>());
                }
                default:
                {
                    // Composite values recurse: bounded by the limit and by the stack this thread really has left.
                    if (++_depth > limits.MaxDepth) throw Malformed($"the value is nested deeper than {limits.MaxDepth} levels (WireLimits.MaxDepth)");
                    if (!RuntimeHelpers.TryEnsureSufficientExecutionStack()) throw Malformed($"the value is nested too deeply for this thread's stack ({_depth} levels)");
                    var v = ReadComposite(tag);
                    _depth--;
                    return v;
                }
            }
        }

        private object ReadComposite(Tag tag)
        {
            switch (tag)
            {
                case Tag.RawArray:
                {
                    var t = CheckedType(ShapeKind.RawArray, "an array of unmanaged values");
                    var shape = TypeShape.Of(t);
                    int n = ReadCount("an array", 0, int.MaxValue);
                    CheckBudget((long)n * shape.ElementSize, "an array", n);
                    var a = r.ReadRawArray(n, shape.ElementSize, shape.NewUninitialized!);
                    Register(a); // no references inside: registering after reading numbers it the same way
                    return a;
                }
                case Tag.Array:
                {
                    var t = CheckedType(ShapeKind.Array, "an array");
                    int n = ReadCount("an array", 1, limits.MaxCollectionCount);
                    var a = Array.CreateInstance(t.GetElementType()!, n);
                    Register(a);
                    if (a is object?[] objs) for (int i = 0; i < n; i++) objs[i] = Read();
                    else for (int i = 0; i < n; i++) a.SetValue(Read(), i);
                    return a;
                }
                case Tag.Dictionary:
                {
                    var t = CheckedType(ShapeKind.Dictionary, "a dictionary");
                    var comparer = ReadComparer();
                    int n = ReadCount("a dictionary", 2, limits.MaxCollectionCount);
                    int capacity = InitialCapacity(n);
                    var d = (IDictionary)(comparer is null ? Activator.CreateInstance(t, capacity)! : Activator.CreateInstance(t, capacity, comparer)!);
                    Register(d);
                    for (int i = 0; i < n; i++)
                    {
                        var k = Read() ?? throw Malformed("a dictionary key is null");
                        d.Add(k, Read());
                    }
                    return d;
                }
                case Tag.HashSet:
                {
                    var t = CheckedType(ShapeKind.HashSet, "a set");
                    var comparer = ReadComparer();
                    int n = ReadCount("a set", 1, limits.MaxCollectionCount);
                    int capacity = InitialCapacity(n);
                    var set = comparer is null ? Activator.CreateInstance(t, capacity)! : Activator.CreateInstance(t, capacity, comparer)!;
                    Register(set);
                    var add = t.GetMethod("Add")!;
                    var one = new object?[1];
                    for (int i = 0; i < n; i++) { one[0] = Read(); add.Invoke(set, one); }
                    return set;
                }
                case Tag.Object:
                {
                    var t = CheckedType(ShapeKind.Fields, "an object sent field by field");
                    var shape = TypeShape.Of(t);
                    // Built without running a constructor; fields are stored directly, no property setter runs.
                    var o = RuntimeHelpers.GetUninitializedObject(t);
                    if (!t.IsValueType) Register(o);
                    foreach (var f in shape.Fields)
                    {
                        if (r.Peek(1)[0] == (byte)Tag.Skip) { r.ReadByte(); continue; }
                        var value = Read(); // a value of the wrong type fails in the compiled setter (InvalidCastException, wrapped)
                        if (value is null && f.Field.FieldType.IsValueType && Nullable.GetUnderlyingType(f.Field.FieldType) is null) continue;
                        f.Set(o, value);
                    }
                    return o;
                }
                case Tag.Delegate:
                {
                    var t = CheckedType(ShapeKind.Delegate, "a delegate");
                    var method = Identities.ReadMethod(r); // refuses methods the application may not call
                    var target = Read();
                    // Delegates are not registered as references (the encoder does not track them either).
                    return method.IsStatic && target is null ? Delegate.CreateDelegate(t, method) : Delegate.CreateDelegate(t, target, method);
                }
                case Tag.MessagePack:
                {
                    long at = r.Position - 1;
                    var t = CheckedType(ShapeKind.MessagePack, "a MessagePack type in this process");
                    int n = r.ReadInt32();
                    if (n < 0) throw Malformed($"a MessagePack payload of {t} has a negative length ({n})");
                    if (r.Position - _start + n > limits.MaxMessageBytes)
                        throw Malformed($"a MessagePack payload of {t} of {n} bytes would take the value beyond {limits.MaxMessageBytes} bytes (WireLimits.MaxMessageBytes)");
                    var payload = r.ReadMemory(n); // checked against the bytes there; read in pieces from a stream
                    return MessagePackTypes.Deserialize(t, payload, limits.MaxDepth - _depth, at);
                }
                default: throw Malformed($"unknown tag {(byte)tag}");
            }
        }

        // decimal's constructor validates its scale; reading raw bits would build an invalid decimal.
        private decimal ReadDecimal()
        {
            var bits = r.Read<decimal>();
            Span<int> parts = stackalloc int[4];
            decimal.GetBits(bits, parts);
            return new decimal(parts);
        }

        private object? ReadComparer() => r.ReadByte() switch
        {
            0 => null,
            1 => StringComparer.Ordinal,
            2 => StringComparer.OrdinalIgnoreCase,
            3 => StringComparer.InvariantCulture,
            4 => StringComparer.InvariantCultureIgnoreCase,
            5 => Read(),
            var b => throw Malformed($"unknown comparer kind {b}"),
        };

        /// <summary>
        /// Reads an element count and checks it before anything is allocated: against <paramref name="max"/>, the bytes
        /// left (each element takes at least <paramref name="minBytesEach"/>) and the message budget.
        /// </summary>
        private int ReadCount(string what, int minBytesEach, int max)
        {
            int n = r.ReadInt32();
            if (n < 0) throw Malformed($"{what} of {n} elements");
            if (n > max) throw Malformed($"{what} of {n} elements exceeds the limit of {max} (WireLimits.MaxCollectionCount)");
            if (minBytesEach > 0)
            {
                r.Require((long)n * minBytesEach, what, n);
                CheckBudget((long)n * minBytesEach, what, n);
            }
            return n;
        }

        private void CheckBudget(long bytes, string what, int count)
        {
            if (r.Position - _start + bytes > limits.MaxMessageBytes)
                throw Malformed($"{what} of {count} elements would take the value beyond {limits.MaxMessageBytes} bytes (WireLimits.MaxMessageBytes)");
        }

        // Over a stream the count is not backed by bytes yet: start small and let the collection grow as entries arrive.
        private int InitialCapacity(int n) => r.IsStream ? Math.Min(n, 1 << 16) : n;

        private WireException Malformed(string what) => new($"Malformed message at byte {r.Position}: {what}.");

        // A type identity, or the number (negated, ~n) of one read before in this value (see Encoder.WriteType).
        private List<Type>? _types;

        private Type ReadType()
        {
            int n = System.Runtime.InteropServices.MemoryMarshal.Read<int>(r.Peek(sizeof(int)));
            if (n >= 0)
            {
                var read = Identities.ReadType(r);
                (_types ??= []).Add(read);
                return read;
            }
            r.Skip(sizeof(int));
            if (_types is null || ~n >= _types.Count) throw Malformed($"a reference to type {~n}, which was not read yet");
            return _types[~n];
        }

        private Type CheckedType(ShapeKind kind, string what)
        {
            var t = ReadType();
            var shape = TypeShape.Of(t);
            if (shape.Kind == ShapeKind.Refused) throw new WireException($"{t} cannot be read from the wire: it is {shape.Refusal}.");
            if (shape.Kind != kind) throw Malformed($"{t} is not {what}");
            return t;
        }

        private void Register(object o) => (_refs ??= []).Add(o);
    }
}
