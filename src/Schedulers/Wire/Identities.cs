using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.InteropServices;

namespace TaskGraph.Wire;

/// <summary>
/// Type and method identities on the wire. A type is named by its assembly's simple name, the assembly's module
/// version id (MVID) and its full name; generic instantiations and arrays are built from their parts. A method
/// is its declaring type plus its metadata token. Compiler-generated names and tokens are positional (a lambda
/// is <c>&lt;Main&gt;b__0_3</c>), so the MVID is checked on every assembly: after a rebuild the same token could
/// point to a different body and silently compute something else.
///
/// <para>Reading is restricted to assemblies this process loaded from the application itself: the host's trusted
/// assembly list (the app's deps file and the shared framework) or the application's folder.</para>
/// </summary>
public static class Identities
{
    private const byte Named = 0, Generic = 1, SzArray = 2, MdArray = 3;

    private static readonly ConcurrentDictionary<Type, byte[]> TypeBlobs = new();
    private static readonly ConcurrentDictionary<MethodInfo, byte[]> MethodBlobs = new();
    private static readonly ConcurrentDictionary<BlobKey, Type> Types = new();
    private static readonly ConcurrentDictionary<BlobKey, MethodInfo> Methods = new();
    private static readonly Lazy<HashSet<string>> Trusted = new(LoadTrusted);

    /// <summary>The message for code whose assembly has no file (scripts, notebook cells).</summary>
    public static string InMemoryMessage(Assembly a) =>
        $"Assembly '{a.GetName().Name}' was compiled in memory (a script or a notebook cell): a worker process cannot load it. " +
        "Run this computation with Scheduler.Threads() (or Scheduler.Synchronous), or move the code into a compiled project.";

    /// <summary>Writes the identity of <paramref name="type"/> (cached per type).</summary>
    public static void WriteType(WireWriter w, Type type)
    {
        var blob = TypeBlobs.GetOrAdd(type, static t => Encode(w2 => EncodeType(w2, t)));
        w.WriteInt32(blob.Length);
        w.WriteBytes(blob);
    }

    /// <summary>Writes the identity of <paramref name="method"/> (cached per method).</summary>
    public static void WriteMethod(WireWriter w, MethodInfo method)
    {
        var blob = MethodBlobs.GetOrAdd(method, static m => Encode(w2 => EncodeMethod(w2, m)));
        w.WriteInt32(blob.Length);
        w.WriteBytes(blob);
    }

    /// <summary>Reads a type identity, checking the assembly's MVID and origin.</summary>
    public static Type ReadType(WireReader r)
    {
        int n = r.ReadInt32();
        var span = r.Peek(n);
        var probe = new BlobKey(span.ToArray());
        r.Skip(n);
        return Types.TryGetValue(probe, out var t) ? t : Types.GetOrAdd(probe, static k => DecodeType(WireReader.FromBytes(k.Bytes)));
    }

    /// <summary>Reads a method identity.</summary>
    public static MethodInfo ReadMethod(WireReader r)
    {
        int n = r.ReadInt32();
        var probe = new BlobKey(r.Peek(n).ToArray());
        r.Skip(n);
        return Methods.TryGetValue(probe, out var m) ? m : Methods.GetOrAdd(probe, static k => DecodeMethod(WireReader.FromBytes(k.Bytes)));
    }

    /// <summary>Throws when <paramref name="a"/> cannot be named across processes (no file behind it).</summary>
    public static void CheckSendable(Assembly a)
    {
        if (a.IsDynamic || string.IsNullOrEmpty(a.Location)) throw new WireException(InMemoryMessage(a));
    }

    private static volatile string[] _trustedDirectories = [Path.GetFullPath(AppContext.BaseDirectory).TrimEnd(Path.DirectorySeparatorChar)];

    /// <summary>
    /// Also trusts assemblies loaded from <paramref name="directory"/> (a cluster worker's <c>--app</c> folder,
    /// when the worker program itself lives elsewhere).
    /// </summary>
    public static void TrustDirectory(string directory)
        => _trustedDirectories = [.. _trustedDirectories, Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar)];

    /// <summary>True when <paramref name="a"/> was loaded from the application's own files or the shared framework.</summary>
    public static bool IsTrusted(Assembly a)
    {
        if (a.IsDynamic || string.IsNullOrEmpty(a.Location)) return false;
        var full = Path.GetFullPath(a.Location);
        return Trusted.Value.Contains(full) || _trustedDirectories.Contains(Path.GetDirectoryName(full), StringComparer.Ordinal);
    }

    private static HashSet<string> LoadTrusted()
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string tpa)
            foreach (var p in tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)) set.Add(Path.GetFullPath(p));
        return set;
    }

    private static byte[] Encode(Action<WireWriter> write)
    {
        var w = new WireWriter(128);
        write(w);
        return w.ToArray();
    }

    private static void EncodeType(WireWriter w, Type t)
    {
        if (t.IsPointer || t.IsByRef || t.IsFunctionPointer) throw new WireException($"Type '{t}' is a pointer: it cannot cross a process boundary.");
        if (t.IsGenericParameter || t.ContainsGenericParameters && t.IsConstructedGenericType) throw new WireException($"Type '{t}' is an open generic type.");
        if (t.IsArray)
        {
            if (t.IsSZArray) w.WriteByte(SzArray);
            else { w.WriteByte(MdArray); w.WriteInt32(t.GetArrayRank()); }
            EncodeType(w, t.GetElementType()!);
            return;
        }
        if (t.IsConstructedGenericType)
        {
            w.WriteByte(Generic);
            EncodeType(w, t.GetGenericTypeDefinition());
            var args = t.GetGenericArguments();
            w.WriteInt32(args.Length);
            foreach (var a in args) EncodeType(w, a);
            return;
        }
        var asm = t.Assembly;
        CheckSendable(asm);
        w.WriteByte(Named);
        w.WriteUtf8(asm.GetName().Name!);
        w.Write(asm.ManifestModule.ModuleVersionId);
        w.WriteUtf8(t.FullName ?? throw new WireException($"Type '{t}' has no full name."));
    }

    private static Type DecodeType(WireReader r)
    {
        switch (r.ReadByte())
        {
            case SzArray: return DecodeType(r).MakeArrayType();
            case MdArray: { int rank = r.ReadInt32(); return DecodeType(r).MakeArrayType(rank); }
            case Generic:
            {
                var def = DecodeType(r);
                var args = new Type[r.ReadInt32()];
                for (int i = 0; i < args.Length; i++) args[i] = DecodeType(r);
                return def.MakeGenericType(args);
            }
            case Named:
            {
                var asmName = r.ReadUtf8();
                var mvid = r.Read<Guid>();
                var name = r.ReadUtf8();
                var asm = FindAssembly(asmName, mvid);
                return asm.GetType(name, throwOnError: false) ?? throw new WireException($"Type '{name}' is not in assembly '{asmName}'.");
            }
            default: throw new WireException("Malformed type identity.");
        }
    }

    /// <summary>The loaded (or loadable) assembly called <paramref name="name"/> with module version <paramref name="mvid"/>.</summary>
    public static Assembly FindAssembly(string name, Guid mvid)
    {
        Assembly? sameName = null;
        foreach (var a in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (a.IsDynamic || a.GetName().Name != name) continue;
            if (a.ManifestModule.ModuleVersionId == mvid && IsTrusted(a)) return a;
            sameName = a;
        }
        if (sameName is null)
        {
            try { sameName = Assembly.Load(new AssemblyName(name)); }
            catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
            {
                throw new WireException($"Assembly '{name}' cannot be loaded in this process: it is not part of the application's dependencies.", "", e);
            }
        }
        if (!IsTrusted(sameName))
            throw new WireException($"Assembly '{name}' was not loaded from the application's own files ({sameName.Location}); the wire format refuses its types.");
        if (sameName.ManifestModule.ModuleVersionId != mvid)
            throw new WireException($"Assembly '{name}' differs between the two processes (module version {sameName.ManifestModule.ModuleVersionId} here, {mvid} there): was it rebuilt while the program ran? Restart the program.");
        return sameName;
    }

    private static void EncodeMethod(WireWriter w, MethodInfo m)
    {
        if (m.GetType().Name.Contains("DynamicMethod"))
            throw new WireException($"Method '{m.Name}' was generated at run time (a DynamicMethod or compiled expression): it cannot be named across processes. Use Scheduler.Threads() for such functions.");
        CheckSendable(m.Module.Assembly);
        var declaring = m.DeclaringType ?? throw new WireException($"Method '{m.Name}' is a global method: it cannot be named across processes.");
        if (m is { IsGenericMethod: true, IsGenericMethodDefinition: false })
        {
            EncodeType(w, declaring);
            w.WriteInt32(m.MetadataToken);
            var args = m.GetGenericArguments();
            w.WriteInt32(args.Length);
            foreach (var a in args) EncodeType(w, a);
            return;
        }
        EncodeType(w, declaring);
        w.WriteInt32(m.MetadataToken);
        w.WriteInt32(0);
    }

    private static MethodInfo DecodeMethod(WireReader r)
    {
        var declaring = DecodeType(r);
        int token = r.ReadInt32();
        int nargs = r.ReadInt32();
        var args = new Type[nargs];
        for (int i = 0; i < nargs; i++) args[i] = DecodeType(r);
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        foreach (var m in declaring.GetMethods(all))
            if (m.MetadataToken == token)
                return nargs == 0 ? m : m.MakeGenericMethod(args);
        throw new WireException($"No method with token {token:x8} in '{declaring}'.");
    }

    /// <summary>A blob compared by content (identities are looked up by their bytes).</summary>
    private readonly struct BlobKey(byte[] bytes) : IEquatable<BlobKey>
    {
        public byte[] Bytes { get; } = bytes;
        public bool Equals(BlobKey other) => Bytes.AsSpan().SequenceEqual(other.Bytes);
        public override bool Equals(object? obj) => obj is BlobKey k && Equals(k);
        public override int GetHashCode()
        {
            var h = new HashCode();
            h.AddBytes(Bytes);
            return h.ToHashCode();
        }
    }
}
