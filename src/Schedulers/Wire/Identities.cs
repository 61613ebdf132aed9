using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;

namespace TaskGraph.Wire;

/// <summary>
/// Type and method identities on the wire. A type is named by its assembly's simple name, the assembly's module
/// version id (MVID) and its full name; generic instantiations and arrays are built from their parts. A method
/// is its declaring type plus its metadata token. Compiler-generated names and tokens are positional (a lambda
/// is <c>&lt;Main&gt;b__0_3</c>), so the MVID is checked on every assembly: after a rebuild the same token could
/// point to a different body and silently compute something else.
///
/// <para>Reading is restricted to assemblies this process loaded from the application itself: the host's trusted
/// assembly list (the app's deps file and the shared framework) or the application's folder
/// (<see cref="IsTrusted"/>). Methods (delegates and <see cref="MethodInfo"/> values) are stricter, since a
/// worker calls them with arguments from the message: only methods of the application's own assemblies, not of
/// the .NET platform, plus a short list of pure framework functions (<see cref="MayCall"/>). A message naming
/// <c>Process.Start</c> or <c>File.Delete</c> is refused before anything runs.</para>
///
/// <para>Identities are bounded (<see cref="MaxIdentityBytes"/>, <see cref="MaxTypeDepth"/>) and assembly names
/// must be simple names (no path) before any lookup; anything malformed throws <see cref="WireException"/>.</para>
/// </summary>
internal static class Identities
{
    private const byte Named = 0, Generic = 1, SzArray = 2, MdArray = 3;

    /// <summary>Largest type or method identity accepted from the wire (names and MVIDs: a few hundred bytes in practice).</summary>
    public const int MaxIdentityBytes = 64 * 1024;

    /// <summary>Deepest nesting of array and generic types in one identity (e.g. <c>List&lt;int[][]&gt;</c> is 3).</summary>
    public const int MaxTypeDepth = 64;

    private static readonly ConcurrentDictionary<Type, Blob> TypeBlobs = new();
    private static readonly ConcurrentDictionary<MethodInfo, Blob> MethodBlobs = new();
    private static readonly ConcurrentDictionary<BlobKey, Type> Types = new();
    private static readonly ConcurrentDictionary<BlobKey, MethodInfo> Methods = new();
    private static readonly Lazy<HashSet<string>> Trusted = new(LoadTrusted);

    /// <summary>The message for code whose assembly has no file (scripts, notebook cells) where it cannot go.</summary>
    public static string InMemoryMessage(Assembly a) => a.IsDynamic
        ? $"Assembly '{a.GetName().Name}' was compiled in memory (emitted at run time): it cannot cross a process boundary. " +
          "Run this computation with Scheduler.Threads() (or Scheduler.Synchronous)."
        : $"Assembly '{a.GetName().Name}' was compiled in memory (a script or a notebook cell): only Scheduler.Processes() ships such code " +
          "to its workers (its own child processes, over private pipes). The cluster refuses it: cluster messages come from the network, " +
          "and its workers run only the application's own files. Run this computation with Scheduler.Processes() or Scheduler.Threads(), " +
          "or move the code into a compiled project the cluster workers have.";

    /// <summary>Writes the identity of <paramref name="type"/> (cached per type).</summary>
    public static void WriteType(WireWriter w, Type type) => Write(w, TypeBlobs.GetOrAdd(type, static t => Encode(w2 => EncodeType(w2, t))));

    /// <summary>Writes the identity of <paramref name="method"/> (cached per method).</summary>
    public static void WriteMethod(WireWriter w, MethodInfo method) => Write(w, MethodBlobs.GetOrAdd(method, static m => Encode(w2 => EncodeMethod(w2, m))));

    // The in-memory assemblies an identity names are checked at every write, not only when it is first encoded:
    // the same cached identity is fine for the process pool and refused for the cluster.
    private static void Write(WireWriter w, Blob blob)
    {
        foreach (var a in blob.InMemory) InMemoryAssemblies.Use(a);
        w.WriteInt32(blob.Bytes.Length);
        w.WriteBytes(blob.Bytes);
    }

    /// <summary>An encoded identity and the in-memory assemblies it names.</summary>
    private sealed record Blob(byte[] Bytes, Assembly[] InMemory);

    [ThreadStatic] private static HashSet<Assembly>? t_encodingInMemory;

    /// <summary>Reads a type identity, checking the assembly's MVID and origin.</summary>
    public static Type ReadType(WireReader r)
    {
        var probe = ReadBlob(r, "type");
        return Types.TryGetValue(probe, out var t) ? t : Types.GetOrAdd(probe, static k => Decode(k, "type", static r => DecodeType(r, 0)));
    }

    /// <summary>
    /// Reads a method identity; refuses a method this process may not call on behalf of a message
    /// (<see cref="MayCall"/>).
    /// </summary>
    public static MethodInfo ReadMethod(WireReader r)
    {
        var probe = ReadBlob(r, "method");
        return Methods.TryGetValue(probe, out var m) ? m : Methods.GetOrAdd(probe, static k => Decode(k, "method", DecodeMethod));
    }

    private static BlobKey ReadBlob(WireReader r, string what)
    {
        int n = r.ReadInt32();
        if (n <= 0 || n > MaxIdentityBytes)
            throw new WireException($"Malformed message: a {what} identity of {n} bytes at byte {r.Position - 4} (at most {MaxIdentityBytes}).");
        var probe = new BlobKey(r.Peek(n).ToArray());
        r.Skip(n);
        return probe;
    }

    // Decodes a whole blob: it must be consumed exactly, and reflection's own complaints (a generic constraint
    // violated, an impossible array type) become WireException like every other malformed input.
    private static T Decode<T>(BlobKey k, string what, Func<WireReader, T> decode)
    {
        var r = WireReader.FromBytes(k.Bytes);
        T value;
        try { value = decode(r); }
        catch (Exception e) when (e is not WireException)
        {
            throw new WireException($"Malformed {what} identity: {e.Message}", "", e);
        }
        if (r.Remaining != 0) throw new WireException($"Malformed {what} identity: {r.Remaining} bytes left over.");
        return value;
    }

    /// <summary>
    /// True when a message may make this process call <paramref name="method"/> (as a delegate or a
    /// <see cref="MethodInfo"/>): a method of the application's own assemblies (<see cref="IsApplication"/>), of an
    /// assembly compiled in memory that this process-pool worker received from its parent (a notebook cell: see
    /// <see cref="InMemoryAssemblies.Load"/> for why the parent is trusted), or one of the few pure framework
    /// functions in <see cref="IsPureFrameworkFunction"/>. The one place that decides it.
    /// </summary>
    public static bool MayCall(MethodInfo method)
        => IsApplication(method.Module.Assembly) || InMemoryAssemblies.IsReceived(method.Module.Assembly) || IsPureFrameworkFunction(method);

    /// <summary>
    /// The framework methods a message may name: the public static methods of <see cref="Math"/> and
    /// <see cref="MathF"/> (users pass them as method groups, <c>.Then(Math.Abs)</c>). Any other framework method
    /// must be wrapped in a lambda (<c>x =&gt; Path.GetFileName(x)</c>), which the application's assembly holds.
    /// Add a type here only if every public static method of it is pure: no files, processes, network,
    /// environment, reflection or unmanaged memory.
    /// </summary>
    private static bool IsPureFrameworkFunction(MethodInfo m)
        => m is { IsStatic: true, IsPublic: true } && (m.DeclaringType == typeof(Math) || m.DeclaringType == typeof(MathF));

    /// <summary>
    /// True when <paramref name="a"/> is one of the application's own assemblies: trusted (<see cref="IsTrusted"/>)
    /// and not part of the .NET platform (the shared framework, or the runtime's own files in a self-contained app).
    /// </summary>
    public static bool IsApplication(Assembly a) => IsTrusted(a) && !IsPlatform(a);

    private static readonly string RuntimeDirectory = Path.GetDirectoryName(typeof(object).Assembly.Location)!;
    private static readonly string? SharedFrameworks = Path.GetDirectoryName(Path.GetDirectoryName(RuntimeDirectory));

    /// <summary>True for an assembly of the .NET platform (the shared framework's folders, or the runtime's own folder).</summary>
    public static bool IsPlatform(Assembly a)
    {
        if (a == typeof(object).Assembly) return true;
        if (a.IsDynamic || string.IsNullOrEmpty(a.Location)) return false;
        var dir = Path.GetDirectoryName(Path.GetFullPath(a.Location));
        if (dir is null) return false;
        // Framework-dependent: .../dotnet/shared/<framework>/<version>/. Self-contained: next to System.Private.CoreLib,
        // where only platform files carry the runtime's ".NETFrameworkAssembly" mark.
        if (Path.GetDirectoryName(Path.GetDirectoryName(dir)) == SharedFrameworks) return true;
        return dir == RuntimeDirectory && a.GetCustomAttributes<AssemblyMetadataAttribute>().Any(m => m.Key == ".NETFrameworkAssembly");
    }

    /// <summary>
    /// True when <paramref name="name"/> is a plain assembly name, safe to look up: no path separators, no
    /// <c>..</c>, not rooted, no drive or stream colon, no control characters, no display-name syntax.
    /// </summary>
    public static bool IsSimpleAssemblyName(string name)
        => name.Length is > 0 and <= 1024 && !name.Contains("..", StringComparison.Ordinal) && !Path.IsPathRooted(name)
           && name.AsSpan().IndexOfAny("/\\:,=\"'") < 0 && !name.Any(char.IsControl) && name.Trim() == name;

    /// <summary>
    /// Throws when <paramref name="a"/> cannot be named across processes: emitted at run time, or compiled in
    /// memory outside the process pool's encoding (<see cref="InMemoryAssemblies.Use"/>).
    /// </summary>
    public static void CheckSendable(Assembly a)
    {
        if (a.IsDynamic) throw new WireException(InMemoryMessage(a));
        if (InMemoryAssemblies.IsInMemory(a)) InMemoryAssemblies.Use(a);
    }

    // While an identity is encoded: its in-memory assemblies are noted (checked at each write, see Write).
    private static void NoteAssembly(Assembly a)
    {
        if (a.IsDynamic) throw new WireException(InMemoryMessage(a));
        if (InMemoryAssemblies.IsInMemory(a)) t_encodingInMemory?.Add(a);
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

    private static readonly Lazy<HashSet<string>> TrustedNames = new(() => Trusted.Value.Select(Path.GetFileNameWithoutExtension).ToHashSet(StringComparer.Ordinal)!);

    // In the host's trusted list, or a file of that name in a trusted folder (name already checked to be simple).
    private static bool IsShipped(string name)
        => TrustedNames.Value.Contains(name) || _trustedDirectories.Any(d => File.Exists(Path.Combine(d, name + ".dll")));

    private static HashSet<string> LoadTrusted()
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        if (AppContext.GetData("TRUSTED_PLATFORM_ASSEMBLIES") is string tpa)
            foreach (var p in tpa.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries)) set.Add(Path.GetFullPath(p));
        return set;
    }

    private static Blob Encode(Action<WireWriter> write)
    {
        var w = new WireWriter(128);
        var saved = t_encodingInMemory;
        var inMemory = t_encodingInMemory = [];
        try { write(w); }
        finally { t_encodingInMemory = saved; }
        return new Blob(w.ToArray(), [.. inMemory]);
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
        NoteAssembly(asm);
        w.WriteByte(Named);
        w.WriteUtf8(asm.GetName().Name!);
        w.Write(asm.ManifestModule.ModuleVersionId);
        w.WriteUtf8(t.FullName ?? throw new WireException($"Type '{t}' has no full name."));
    }

    private static Type DecodeType(WireReader r, int depth)
    {
        if (depth > MaxTypeDepth) throw new WireException($"Malformed type identity: nested deeper than {MaxTypeDepth} levels.");
        switch (r.ReadByte())
        {
            case SzArray: return DecodeType(r, depth + 1).MakeArrayType();
            case MdArray:
            {
                int rank = r.ReadInt32();
                if (rank is < 1 or > 32) throw new WireException($"Malformed type identity: an array rank of {rank}.");
                return DecodeType(r, depth + 1).MakeArrayType(rank);
            }
            case Generic:
            {
                var def = DecodeType(r, depth + 1);
                int count = r.ReadInt32();
                // Each argument takes at least one byte, and a generic definition says how many it has.
                if (count < 1 || count > r.Remaining || !def.IsGenericTypeDefinition || count != def.GetGenericArguments().Length)
                    throw new WireException($"Malformed type identity: {count} generic arguments for '{def}'.");
                var args = new Type[count];
                for (int i = 0; i < args.Length; i++) args[i] = DecodeType(r, depth + 1);
                return def.MakeGenericType(args);
            }
            case Named:
            {
                var asmName = r.ReadUtf8();
                var mvid = r.Read<Guid>();
                var name = r.ReadUtf8();
                // A type definition's own name: generic arguments and arrays are built above from their parts, and a
                // name with type-name syntax ("List`1[[T, OtherAssembly]]") would make reflection load other assemblies.
                if (name.Length == 0 || name.AsSpan().IndexOfAny("[],*&\\") >= 0) throw new WireException($"Malformed type identity: type name '{name}'.");
                var asm = FindAssembly(asmName, mvid);
                return asm.GetType(name, throwOnError: false) ?? throw new WireException($"Type '{name}' is not in assembly '{asmName}'.");
            }
            default: throw new WireException("Malformed type identity.");
        }
    }

    /// <summary>The loaded (or loadable) assembly called <paramref name="name"/> with module version <paramref name="mvid"/>.</summary>
    public static Assembly FindAssembly(string name, Guid mvid)
    {
        // Checked before any lookup: a name like "../../x/Evil" would otherwise reach a resolver mapping names to files.
        if (!IsSimpleAssemblyName(name)) throw new WireException($"Malformed type identity: '{name}' is not a simple assembly name.");
        // An assembly of the default load context comes first: a copy of the same code loaded elsewhere (a cell
        // context) would give its types a second identity, and the values decoded with it would not cast to the
        // application's types.
        Assembly? sameName = null, trusted = null;
        foreach (var a in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (a.IsDynamic || !HasName(a, name)) continue;
            bool inDefault = AssemblyLoadContext.GetLoadContext(a) == AssemblyLoadContext.Default;
            if (a.ManifestModule.ModuleVersionId == mvid && IsTrusted(a))
            {
                if (inDefault) return a;
                trusted ??= a;
            }
            if (sameName is null || inDefault) sameName = a;
        }
        if (trusted is not null) return trusted;
        // Then code compiled in memory that this worker received from its parent, or that this parent shipped
        // (after the application's files: an in-memory copy of an application assembly is the same code).
        if (InMemoryAssemblies.Find(name, mvid) is { } cell) return cell;
        if (InMemoryAssemblies.WhyMissing(name, mvid) is { } changed) throw new WireException(changed);
        if (sameName is null)
        {
            // Only a name the application ships can be loaded and trusted: do not even ask the loader for others.
            if (!IsShipped(name)) throw new WireException(IsCellName(name)
                ? $"Assembly '{name}' (module version {mvid}) was compiled in memory (a script or a notebook cell) in the sending process and its code was not sent to this process. " +
                  "Only Scheduler.Processes() ships such code to its own workers; the cluster refuses it (its messages come from the network)."
                : $"Assembly '{name}' cannot be loaded in this process: it is not part of the application's dependencies.");
            try { sameName = Assembly.Load(new AssemblyName(name)); }
            catch (Exception e) when (e is FileNotFoundException or FileLoadException or BadImageFormatException)
            {
                throw new WireException($"Assembly '{name}' cannot be loaded in this process: it is not part of the application's dependencies.", "", e);
            }
        }
        if (InMemoryAssemblies.IsInMemory(sameName))
            throw new WireException($"Assembly '{name}' (module version {mvid}) was compiled in memory (a script or a notebook cell) and its code was not sent to this process. " +
                                    "Only Scheduler.Processes() ships such code to its own workers; the cluster refuses it (its messages come from the network).");
        if (!IsTrusted(sameName))
            throw new WireException($"Assembly '{name}' was not loaded from the application's own files ({sameName.Location}); the wire format refuses its types.");
        if (sameName.ManifestModule.ModuleVersionId != mvid)
            throw new WireException($"Assembly '{name}' differs between the two processes (module version {sameName.ManifestModule.ModuleVersionId} here, {mvid} there): was it rebuilt while the program ran? Restart the program.");
        return sameName;
    }

    /// <summary>True for the name Roslyn gives a script submission or notebook cell: <c>ℛ*&lt;guid&gt;#&lt;n&gt;-&lt;n&gt;</c>.</summary>
    private static bool IsCellName(string name) => System.Text.RegularExpressions.Regex.IsMatch(name, @"^ℛ\*[0-9a-fA-F-]{36}#[0-9]+-[0-9]+$");

    // FullName is cached by the runtime; GetName() parses it anew (slow when every assembly is asked).
    private static bool HasName(Assembly a, string name)
        => a.FullName is { } full && full.Length > name.Length && full[name.Length] == ',' && full.StartsWith(name, StringComparison.Ordinal);

    private static void EncodeMethod(WireWriter w, MethodInfo m)
    {
        if (m.GetType().Name.Contains("DynamicMethod"))
            throw new WireException($"Method '{m.Name}' was generated at run time (a DynamicMethod or compiled expression): it cannot be named across processes. Use Scheduler.Threads() for such functions.");
        NoteAssembly(m.Module.Assembly);
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
        var declaring = DecodeType(r, 0);
        int token = r.ReadInt32();
        int nargs = r.ReadInt32();
        if (nargs < 0 || nargs > r.Remaining) throw new WireException($"Malformed method identity: {nargs} generic arguments.");
        var args = new Type[nargs];
        for (int i = 0; i < nargs; i++) args[i] = DecodeType(r, 1);
        const BindingFlags all = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Static | BindingFlags.Instance | BindingFlags.DeclaredOnly;
        foreach (var m in declaring.GetMethods(all))
            if (m.MetadataToken == token)
            {
                // Refused before it is even instantiated: the policy is about the method, not its type arguments.
                if (!MayCall(m))
                    throw new WireException($"Method '{declaring}.{m.Name}' is refused: a message may only name methods of the application's own assemblies, not of the .NET platform ('{m.Module.Assembly.GetName().Name}'). Wrap a framework method in a lambda.");
                if (nargs > 0 && (!m.IsGenericMethodDefinition || m.GetGenericArguments().Length != nargs))
                    throw new WireException($"Malformed method identity: {nargs} generic arguments for '{declaring}.{m.Name}'.");
                return nargs == 0 ? m : m.MakeGenericMethod(args);
            }
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
