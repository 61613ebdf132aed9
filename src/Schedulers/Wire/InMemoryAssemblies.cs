using System.Collections.Concurrent;
using System.Reflection;
using System.Runtime.Loader;

namespace TaskGraph.Wire;

/// <summary>
/// Code compiled in memory (a notebook cell, a Roslyn script submission: <c>Location == ""</c>) on the process
/// pool. Such an assembly has no file a worker could load, so the pool sends its bytes (<see cref="AssemblyImage"/>)
/// to each worker once, with those of the earlier cells it refers to; the worker loads each into a collectible
/// load context of its own, keyed by module version id (MVID).
///
/// <para>Where such an assembly may appear on the wire:</para>
/// <list type="bullet">
/// <item>Parent: only while the process pool encodes a computation (<see cref="Collect"/>), which records the
/// assemblies it meets so that they are shipped first. Nothing else (the cluster, <see cref="WireCodec.ToBytes"/>)
/// may name them: they fail with <see cref="Identities.InMemoryMessage"/>. Types of assemblies this process
/// shipped are found again when a worker's result names them.</item>
/// <item>Worker: assemblies received from the parent (<see cref="Load"/>), found by exact name and MVID. A
/// changed or re-run cell is a new assembly with a new MVID: a message naming an MVID that was not received fails
/// with a <see cref="WireException"/> naming the assembly; nothing else of the same name is ever used.</item>
/// </list>
/// </summary>
public static class InMemoryAssemblies
{
    [ThreadStatic] private static HashSet<Assembly>? t_collected;

    // Parent: assemblies shipped to workers by MVID (their types may come back in results).
    private static readonly ConcurrentDictionary<Guid, Assembly> Shipped = new();
    private static readonly ConcurrentDictionary<Guid, byte[]> Images = new();

    // Worker: assemblies received from the parent, by MVID and by name; loads that failed, by MVID.
    private static readonly ConcurrentDictionary<Guid, Assembly> Received = new();
    private static readonly ConcurrentDictionary<string, Assembly> ReceivedByName = new(StringComparer.Ordinal);
    private static readonly ConcurrentDictionary<Guid, string> Failed = new();
    private static readonly object LoadLock = new();

    /// <summary>True for an assembly without a file: compiled in memory and loaded from bytes (not <see cref="Assembly.IsDynamic"/>).</summary>
    public static bool IsInMemory(Assembly a) => !a.IsDynamic && string.IsNullOrEmpty(a.Location);

    /// <summary>
    /// Until disposed, lets this thread encode identities of in-memory assemblies, adding each one met to
    /// <paramref name="into"/> (the process pool ships them before the messages that name them).
    /// </summary>
    public static Scope Collect(HashSet<Assembly> into)
    {
        var saved = t_collected;
        t_collected = into;
        return new Scope(saved);
    }

    /// <summary>Restores the thread's previous collection on dispose.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly HashSet<Assembly>? _saved;
        internal Scope(HashSet<Assembly>? saved) => _saved = saved;

        /// <summary>Ends the collection.</summary>
        public void Dispose() => t_collected = _saved;
    }

    /// <summary>
    /// Called for every identity written that names in-memory assembly <paramref name="a"/>: recorded when the
    /// process pool is encoding (<see cref="Collect"/>), allowed in a worker for an assembly its parent sent,
    /// refused otherwise.
    /// </summary>
    internal static void Use(Assembly a)
    {
        if (t_collected is { } set) set.Add(a);
        else if (!IsReceived(a))
            throw new WireException(Identities.InMemoryMessage(a));
    }

    /// <summary>
    /// <paramref name="roots"/> and every in-memory assembly they refer to, transitively (a cell's assembly
    /// refers to the earlier cells whose types or variables it uses), each referenced one before its referrers.
    /// </summary>
    public static List<Assembly> WithReferences(IEnumerable<Assembly> roots)
    {
        var byName = new Dictionary<string, Assembly>(StringComparer.Ordinal);
        foreach (var a in AppDomain.CurrentDomain.GetAssemblies())
            if (IsInMemory(a) && a.FullName is { } full) byName.TryAdd(full, a);
        var order = new List<Assembly>();
        var seen = new HashSet<Assembly>();
        void Visit(Assembly a)
        {
            if (!seen.Add(a)) return;
            foreach (var r in a.GetReferencedAssemblies())
                if (byName.TryGetValue(r.FullName, out var dep)) Visit(dep);
            order.Add(a);
        }
        foreach (var a in roots) Visit(a);
        return order;
    }

    /// <summary>The bytes of in-memory assembly <paramref name="a"/> (read once, checked against its MVID); remembered as shipped.</summary>
    public static byte[] ImageOf(Assembly a)
    {
        var mvid = a.ManifestModule.ModuleVersionId;
        var image = Images.GetOrAdd(mvid, _ => AssemblyImage.Read(a));
        if (image.Length > WireLimits.Default.MaxAssemblyBytes)
            throw new WireException($"Assembly '{a.GetName().Name}' (compiled in memory) is {image.Length} bytes: more than a worker accepts ({WireLimits.Default.MaxAssemblyBytes}).");
        Shipped.TryAdd(mvid, a);
        return image;
    }

    /// <summary>
    /// Worker: loads an assembly compiled in memory in the parent, from its bytes. The image must carry the
    /// announced name and MVID; an assembly of the same name with another MVID is refused (a changed cell is a new
    /// assembly, never a replacement). A failure is remembered: the tasks that need the assembly fail with it.
    /// </summary>
    /// <remarks>
    /// Trust: these bytes come only over the task pipe of the process pool, from the parent process that launched
    /// this worker and connected to it at start; that parent already chose the program, runtime and files this
    /// worker runs, so running code it sends gives it nothing it did not have. The cluster never calls this: its
    /// messages come from the network, and its workers run only the application's own files.
    /// </remarks>
    public static void Load(string name, Guid mvid, byte[] image)
    {
        try
        {
            if (!Identities.IsSimpleAssemblyName(name)) throw new WireException($"'{name}' is not a simple assembly name.");
            if (AssemblyImage.MvidOf(image) != mvid || AssemblyImage.NameOf(image) != name)
                throw new WireException($"The bytes sent for assembly '{name}' do not carry that name and module version {mvid}.");
            lock (LoadLock)
            {
                if (Received.ContainsKey(mvid)) return;
                if (ReceivedByName.TryGetValue(name, out var other))
                    throw new WireException($"Assembly '{name}' was already received with module version {other.ManifestModule.ModuleVersionId}; module version {mvid} of the same name is refused (a changed cell compiles to a new assembly).");
                if (AlreadyLoaded(name, mvid) is { } here)
                {
                    // The same code is loaded here already (the parent and the "worker" are one process, or the bytes are
                    // of an application file): a copy would give every type in it a second identity, and values made
                    // with one would not cast to the other. A file needs nothing more; a cell is marked received.
                    if (IsInMemory(here))
                    {
                        Received[mvid] = here;
                        ReceivedByName[name] = here;
                    }
                    return;
                }
                var context = new CellLoadContext(mvid);
                var a = context.LoadFromStream(new MemoryStream(image, writable: false));
                Received[mvid] = a;
                ReceivedByName[name] = a;
            }
        }
        catch (Exception e)
        {
            Failed.TryAdd(mvid, $"Assembly '{name}' (module version {mvid}), compiled in memory in the parent, could not be loaded in the worker: {e.Message}");
        }
    }

    /// <summary>
    /// The assembly of that name and module version this process already has, not as a received copy: one of the
    /// default load context (the application), or the original of a cell compiled here (Roslyn may load it elsewhere).
    /// </summary>
    internal static Assembly? AlreadyLoaded(string name, Guid mvid)
    {
        Assembly? found = null;
        foreach (var a in AppDomain.CurrentDomain.GetAssemblies())
        {
            if (a.IsDynamic || a.ManifestModule.ModuleVersionId != mvid || a.GetName().Name != name) continue;
            var context = AssemblyLoadContext.GetLoadContext(a);
            if (context == AssemblyLoadContext.Default) return a;
            if (context is not CellLoadContext) found ??= a;
        }
        return found;
    }

    /// <summary>
    /// The in-memory assembly <paramref name="name"/> with module version <paramref name="mvid"/>: received from the
    /// parent (worker) or shipped to workers (parent); null when neither.
    /// </summary>
    internal static Assembly? Find(string name, Guid mvid)
    {
        // Shipped first: in a process that is parent and worker at once, the original, never a copy.
        if (Shipped.TryGetValue(mvid, out var a) || Received.TryGetValue(mvid, out a))
            return a.GetName().Name == name ? a : throw new WireException($"Module version {mvid} belongs to assembly '{a.GetName().Name}', not '{name}'.");
        if (Failed.TryGetValue(mvid, out var error)) throw new WireException(error);
        return null;
    }

    /// <summary>Why in-memory assembly <paramref name="name"/> with module version <paramref name="mvid"/> is not here (or null if nothing is known of that name).</summary>
    internal static string? WhyMissing(string name, Guid mvid)
    {
        if (ReceivedByName.TryGetValue(name, out var other))
            return $"Assembly '{name}' was received from the parent with module version {other.ManifestModule.ModuleVersionId}, but this message names module version {mvid}: " +
                   "the cell was changed and its code is not the code that was sent. Nothing was run; compute again.";
        return null;
    }

    /// <summary>True for an assembly this worker received from its parent (its methods may be called: see <see cref="Load"/>).</summary>
    internal static bool IsReceived(Assembly a) => Received.TryGetValue(a.ManifestModule.ModuleVersionId, out var r) && ReferenceEquals(r, a);

    /// <summary>
    /// One received assembly. Its references resolve to the other received assemblies (earlier cells) by name,
    /// then to the default context (the application, the packages, the framework). Collectible, so that a host
    /// may unload cells it no longer needs.
    /// </summary>
    private sealed class CellLoadContext(Guid mvid) : AssemblyLoadContext("taskgraph-cell-" + mvid.ToString("N"), isCollectible: true)
    {
        protected override Assembly? Load(AssemblyName name)
            => name.Name is { } n && ReceivedByName.TryGetValue(n, out var a) ? a : null;
    }
}
