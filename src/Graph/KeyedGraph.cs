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
    /// that there is no cycle, then builds dependencies before dependents.
    /// </summary>
    public TaskSpec Resolve(string key)
    {
        if (!_entries.ContainsKey(key)) throw new KeyNotFoundException($"The graph has no task named '{key}'.");
        // Number the keys reachable from `key` and collect their edges.
        var ids = new Dictionary<string, int>(StringComparer.Ordinal) { [key] = 0 };
        var names = new List<string> { key };
        var lists = new List<int[]>();
        for (int i = 0; i < names.Count; i++)
        {
            var entry = _entries[names[i]];
            var deps = new List<int>();
            foreach (var r in entry.Args.OfType<KeyRef>())
            {
                if (!_entries.ContainsKey(r.Key))
                    throw new KeyNotFoundException($"Task '{names[i]}' refers to '{r.Key}', which is not in the graph.");
                if (!ids.TryGetValue(r.Key, out var id)) { id = names.Count; ids[r.Key] = id; names.Add(r.Key); }
                deps.Add(id);
            }
            lists.Add(deps.ToArray());
        }
        var graph = Adjacency.FromLists(lists);
        CycleCheck.Run(graph, i => names[i]);
        var (_, order) = Passes.Order.Run(graph, [0], i => names[i]);
        var specs = new TaskSpec[names.Count];
        foreach (var i in order)
        {
            var entry = _entries[names[i]];
            var k = TaskKey.Named(names[i]);
            specs[i] = entry.Function is null
                ? TaskSpec.Literal(k, entry.Value)
                : TaskSpec.Call(k, entry.Function, entry.Args.Select(a => a is KeyRef r ? TaskArg.Of(specs[ids[r.Key]]) : TaskArg.Value(a)).ToArray());
        }
        return specs[0];
    }
}
