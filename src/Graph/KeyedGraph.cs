using QuikGraph;
using QuikGraph.Algorithms;
using TaskGraph.Passes;

namespace TaskGraph;

/// <summary>
/// A hand-written graph of named tasks that refer to each other by key, like a Dask graph dictionary
/// (<c>{"a": 1, "b": (inc, "a")}</c>). Unlike graphs built from delayed values, it can contain mistakes:
/// <see cref="Get{T}"/> reports a missing key and names a cycle before anything runs.
/// </summary>
public sealed class KeyedGraph
{
    private readonly Dictionary<string, Entry> _entries = new(StringComparer.Ordinal);

    private sealed record Entry(TaskFunction? Function, object? Value, object?[] Args);

    /// <summary>A reference to another task's result, used as an argument.</summary>
    public sealed record KeyRef(string Key);

    /// <summary>An argument that is the result of the task named <paramref name="key"/>.</summary>
    public static KeyRef Ref(string key) => new(key ?? throw new ArgumentNullException(nameof(key)));

    /// <summary>Adds a literal value under <paramref name="key"/>.</summary>
    public KeyedGraph Value(string key, object? value) => Add(key, new Entry(null, value, []));

    /// <summary>Adds a call of <paramref name="f"/>.</summary>
    public KeyedGraph Task<R>(string key, Func<R> f) => Add(key, new Entry(TaskFunction.Create(f, TaskInvokers.Call0<R>), null, []));

    /// <summary>Adds a call of <paramref name="f"/> on one argument (a <see cref="KeyRef"/> or a literal).</summary>
    public KeyedGraph Task<T1, R>(string key, Func<T1, R> f, object? a1) => Add(key, new Entry(TaskFunction.Create(f, TaskInvokers.Call1<T1, R>), null, [a1]));

    /// <summary>Adds a call of <paramref name="f"/> on two arguments (each a <see cref="KeyRef"/> or a literal).</summary>
    public KeyedGraph Task<T1, T2, R>(string key, Func<T1, T2, R> f, object? a1, object? a2) => Add(key, new Entry(TaskFunction.Create(f, TaskInvokers.Call2<T1, T2, R>), null, [a1, a2]));

    /// <summary>Adds a call of <paramref name="f"/> on three arguments (each a <see cref="KeyRef"/> or a literal).</summary>
    public KeyedGraph Task<T1, T2, T3, R>(string key, Func<T1, T2, T3, R> f, object? a1, object? a2, object? a3) => Add(key, new Entry(TaskFunction.Create(f, TaskInvokers.Call3<T1, T2, T3, R>), null, [a1, a2, a3]));

    private KeyedGraph Add(string key, Entry entry)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!_entries.TryAdd(key, entry)) throw new ArgumentException($"The graph already has a task named '{key}'.", nameof(key));
        return this;
    }

    /// <summary>The delayed result of the task named <paramref name="key"/>.</summary>
    public Delayed<T> Get<T>(string key) => Delayed.FromSpec<T>(Resolve(key));

    /// <summary>
    /// Turns the keyed tasks <paramref name="key"/> needs into specs: checks that every referenced key exists and
    /// that there is no cycle, then builds dependencies before dependents. The keys and their references form a
    /// QuikGraph graph (edges from a task to the keys it refers to): its strongly connected components name a
    /// cycle, its topological sort gives the build order.
    /// </summary>
    public TaskSpec Resolve(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (!_entries.ContainsKey(key)) throw new KeyNotFoundException($"The graph has no task named '{key}'.");
        var graph = new AdjacencyGraph<string, SEquatableEdge<string>>(allowParallelEdges: false);
        graph.AddVertex(key);
        var pending = new Queue<string>([key]);
        while (pending.TryDequeue(out var name))
            foreach (var r in _entries[name].Args.OfType<KeyRef>())
            {
                if (!_entries.ContainsKey(r.Key))
                    throw new KeyNotFoundException($"Task '{name}' refers to '{r.Key}', which is not in the graph.");
                if (graph.AddVertex(r.Key)) pending.Enqueue(r.Key);
                graph.AddEdge(new SEquatableEdge<string>(name, r.Key));
            }
        if (CycleCheck.Find(graph, k => k) is { } cycle) throw new GraphCycleException(cycle);
        // Edges point from a task to its dependencies: the reversed topological order builds dependencies first.
        var specs = new Dictionary<string, TaskSpec>(StringComparer.Ordinal);
        foreach (var name in graph.TopologicalSort().Reverse())
        {
            var entry = _entries[name];
            var k = TaskKey.Named(name);
            specs[name] = entry.Function is null
                ? TaskSpec.Literal(k, entry.Value)
                : TaskSpec.Call(k, entry.Function, entry.Args.Select(a => a is KeyRef r ? TaskArg.Of(specs[r.Key]) : TaskArg.Value(a)).ToArray());
        }
        return specs[key];
    }
}
