using TaskGraph.Passes;

namespace TaskGraph;

/// <summary>
/// A compiled graph, ready to run: int-indexed nodes (a node is one task, or a fused chain of tasks), their
/// dependencies and dependents, priorities from the ordering pass, and the outputs. Schedulers work on node
/// numbers only; <see cref="Run"/> executes a node's tasks given the results of the nodes it depends on. What a
/// node runs is its <see cref="NodeProgram"/>, computed here once and run the same way by every scheduler.
/// </summary>
public sealed class ExecutionPlan
{
    private readonly TaskSpec[] _specs;
    private readonly Adjacency _members;
    private readonly int[] _argStart;
    private readonly ArgumentSource[] _sources;
    private readonly int[] _outputs;
    private readonly bool[] _isOutput;

    private ExecutionPlan(TaskSpec[] specs, FusedGroups groups, Adjacency dependencies, Adjacency dependents, int[] outputs, int[] priority, int[] order, int[] argStart, ArgumentSource[] sources)
    {
        _specs = specs;
        _members = groups.Members;
        Dependencies = dependencies;
        Dependents = dependents;
        _outputs = outputs;
        _isOutput = new bool[dependencies.Count];
        foreach (var o in outputs) _isOutput[o] = true;
        Priority = priority;
        Order = order;
        _argStart = argStart;
        _sources = sources;
    }

    /// <summary>Number of nodes (tasks after fusion).</summary>
    public int Count => Dependencies.Count;

    /// <summary>Number of tasks before fusion (every <see cref="TaskSpec"/> that runs).</summary>
    public int TaskCount => _specs.Length;

    /// <summary>The tasks, by task index.</summary>
    public IReadOnlyList<TaskSpec> Tasks => _specs;

    /// <summary>Nodes each node needs.</summary>
    public Adjacency Dependencies { get; }

    /// <summary>Nodes that need each node.</summary>
    public Adjacency Dependents { get; }

    /// <summary>Priority of each node (0 first): a topological, memory-aware order.</summary>
    public int[] Priority { get; }

    /// <summary>Nodes by priority: <c>Order[p]</c> has priority <c>p</c>.</summary>
    public int[] Order { get; }

    /// <summary>The output nodes, in the order they were requested (a node may appear twice).</summary>
    public ReadOnlySpan<int> Outputs => _outputs;

    /// <summary>True when <paramref name="node"/>'s result is returned to the caller (never released early).</summary>
    public bool IsOutput(int node) => _isOutput[node];

    /// <summary>Task indexes (into <see cref="Tasks"/>) a node runs, in order.</summary>
    public ReadOnlySpan<int> Members(int node) => _members[node];

    /// <summary>The task whose result is the node's result (the last of a fused chain).</summary>
    public TaskSpec ResultTask(int node) => _specs[_members[node][^1]];

    /// <summary>The node's key: the key of its result task.</summary>
    public TaskKey KeyOf(int node) => ResultTask(node).Key;

    /// <summary>Readable function name of a node (<c>read → parse → filter</c> for a fused chain).</summary>
    public string FunctionOf(int node)
    {
        var m = _members[node];
        return m.Length == 1 ? NameOf(_specs[m[0]]) : $"{NameOf(_specs[m[0]])} → {NameOf(_specs[m[^1]])}";
    }

    private static string NameOf(TaskSpec s) => s.Function?.Name ?? s.Key.Name;

    /// <summary>
    /// Compiles <paramref name="outputs"/>: cull, then fuse (when <paramref name="fuse"/>), then order.
    /// </summary>
    public static ExecutionPlan Compile(IReadOnlyList<TaskSpec> outputs, bool fuse = true)
    {
        var culled = Cull.Run(outputs);
        var groups = fuse ? Fuse.Run(culled) : Fuse.None(culled);
        var specs = culled.Specs;
        // Without fusion a node is a task: its dependencies are the task's own.
        var nodeDeps = fuse ? GroupDependencies(culled, groups) : culled.Dependencies;
        var sources = Sources(culled, groups, nodeDeps);
        var outputNodes = culled.Outputs.Select(o => groups.GroupOf[o]).ToArray();
        var dependents = nodeDeps.Transpose();
        var (priority, order) = Passes.Order.Run(nodeDeps, outputNodes, g => specs[groups.Members[g][^1]].Key.ToString(),
            (a, b) => CompareKeys(specs[groups.Members[a][^1]].Key, specs[groups.Members[b][^1]].Key), dependents);
        var argStart = culled.ArgumentTasks.Starts;
        return new ExecutionPlan(specs, groups, nodeDeps, dependents, outputNodes, priority, order, argStart, sources);
    }

    // The ordering's tie-break (Dask breaks ties by str(key)): by name, then block index, then token, without
    // building the key's string.
    private static int CompareKeys(TaskKey a, TaskKey b)
    {
        int c = string.CompareOrdinal(a.Name, b.Name);
        if (c != 0) return c;
        c = a.Index.CompareTo(b.Index);
        if (c != 0) return c;
        c = a.Token.Hi.CompareTo(b.Token.Hi);
        return c != 0 ? c : a.Token.Lo.CompareTo(b.Token.Lo);
    }

    // Dependencies between groups: those of each group's first member (a later member reads only the one before).
    private static Adjacency GroupDependencies(CulledGraph culled, FusedGroups groups)
    {
        var taskDeps = culled.Dependencies;
        int nodes = groups.Members.Count;
        var start = new int[nodes + 1];
        var items = new int[CountNodeEdges(groups, taskDeps)];
        int filled = 0;
        for (int g = 0; g < nodes; g++)
        {
            foreach (var d in taskDeps[groups.Members[g][0]]) items[filled++] = groups.GroupOf[d];
            start[g + 1] = filled;
        }
        return new Adjacency(start, items);
    }

    // Where each argument comes from (indexed like the culled graph's argument tasks): a literal, the previous
    // member's result, or input i of the node — the position of the argument's node in the node's dependency list.
    // Two scratch arrays map a dependency node to its position while one node is visited (stamped with the node,
    // so they are never cleared).
    private static ArgumentSource[] Sources(CulledGraph culled, FusedGroups groups, Adjacency nodeDeps)
    {
        int nodes = groups.Members.Count;
        var sources = new ArgumentSource[culled.ArgumentTasks.EdgeCount];
        var argStart = culled.ArgumentTasks.Starts;
        var stamp = new int[nodes];
        var position = new int[nodes];
        Array.Fill(stamp, -1);
        for (int g = 0; g < nodes; g++)
        {
            var deps = nodeDeps[g];
            for (int i = 0; i < deps.Length; i++)
            {
                stamp[deps[i]] = g;
                position[deps[i]] = i;
            }
            var members = groups.Members[g];
            for (int i = 0; i < members.Length; i++)
            {
                var argTasks = culled.ArgumentTasks[members[i]];
                int a0 = argStart[members[i]];
                for (int a = 0; a < argTasks.Length; a++)
                {
                    int t = argTasks[a];
                    if (t < 0) { sources[a0 + a] = ArgumentSource.Literal; continue; }
                    if (i > 0 && t == members[i - 1]) { sources[a0 + a] = ArgumentSource.Previous; continue; }
                    int d = groups.GroupOf[t];
                    if (stamp[d] != g) throw new InvalidOperationException($"Task '{culled.Specs[members[i]].Key}' reads '{culled.Specs[t].Key}', which is not among its node's dependencies.");
                    sources[a0 + a] = ArgumentSource.Input(position[d]);
                }
            }
        }
        return sources;
    }

    private static int CountNodeEdges(FusedGroups groups, Adjacency taskDeps)
    {
        int count = 0;
        for (int g = 0; g < groups.Members.Count; g++) count += taskDeps.Degree(groups.Members[g][0]);
        return count;
    }

    /// <summary>Node <paramref name="node"/>'s program: its members and where each argument comes from (a view, no copy).</summary>
    internal NodeProgram Program(int node)
        => new(_specs, _members.Items, _members.Starts[node], _members.Degree(node), _argStart, _sources, Dependencies.Degree(node));

    /// <summary>
    /// The same plan with every <see cref="SpillTarget"/> literal argument (graphs hold <see cref="SpillTarget.None"/>
    /// there) replaced by <paramref name="target"/>. Keys stay: where data waits does not change what a task computes.
    /// </summary>
    public ExecutionPlan WithSpillTarget(SpillTarget target)
    {
        ArgumentNullException.ThrowIfNull(target);
        TaskSpec[]? specs = null;
        for (int t = 0; t < _specs.Length; t++)
        {
            var args = _specs[t].Args;
            for (int a = 0; a < args.Length; a++)
            {
                if (args[a].IsDependency || args[a].Literal is not SpillTarget) continue;
                specs ??= (TaskSpec[])_specs.Clone();
                specs[t] = specs[t].WithLiteralArgument(a, target);
            }
        }
        return specs is null ? this : new ExecutionPlan(this, specs);
    }

    // A copy of a plan running other task specs (same keys, same arguments' sources).
    private ExecutionPlan(ExecutionPlan plan, TaskSpec[] specs)
    {
        _specs = specs;
        _members = plan._members;
        Dependencies = plan.Dependencies;
        Dependents = plan.Dependents;
        _outputs = plan._outputs;
        _isOutput = plan._isOutput;
        Priority = plan.Priority;
        Order = plan.Order;
        _argStart = plan._argStart;
        _sources = plan._sources;
    }

    /// <summary>
    /// Runs node <paramref name="node"/>: every member task in order, reading dependency results from
    /// <paramref name="results"/> (indexed by node). Returns the last member's result. A throwing task is
    /// reported as <see cref="TaskFailedException"/> naming its key and function.
    /// </summary>
    public object? Run(int node, object?[] results) => Program(node).Run(new ResultInputs(results, Dependencies.Items, Dependencies.Starts[node]));

    /// <summary>A node's inputs in process: the results of its dependencies, read from the results array by node number.</summary>
    private readonly struct ResultInputs(object?[] results, int[] dependencies, int start) : NodeProgram.IInputs
    {
        public object? this[int input] => results[dependencies[start + input]];
    }
}
