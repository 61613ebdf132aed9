using TaskGraph.Passes;

namespace TaskGraph;

/// <summary>
/// A compiled graph, ready to run: int-indexed nodes (a node is one task, or a fused chain of tasks), their
/// dependencies and dependents, priorities from the ordering pass, and the outputs. Schedulers work on node
/// numbers only; <see cref="Run"/> executes a node's tasks given the results of the nodes it depends on.
/// </summary>
public sealed class ExecutionPlan
{
    private readonly TaskSpec[] _specs;
    private readonly Adjacency _members;
    private readonly int[] _argStart;
    private readonly int[] _argSource;
    private readonly int[] _outputs;
    private readonly bool[] _isOutput;

    /// <summary>Argument source: the value is the argument's own literal.</summary>
    private const int FromLiteral = -1;

    /// <summary>Argument source: the value is the previous member's result (inside a fused chain).</summary>
    private const int FromPrevious = -2;

    private ExecutionPlan(TaskSpec[] specs, FusedGroups groups, Adjacency dependencies, Adjacency dependents, int[] outputs, int[] priority, int[] order, int[] argStart, int[] argSource)
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
        _argSource = argSource;
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
        // Without fusion a node is a task: dependencies and argument sources are the culled ones as they are
        // (a literal argument is -1 in both encodings).
        var (nodeDeps, argSource) = fuse ? ToGroups(culled, groups) : (culled.Dependencies, culled.ArgumentTasks.Items);
        var outputNodes = culled.Outputs.Select(o => groups.GroupOf[o]).ToArray();
        var dependents = nodeDeps.Transpose();
        var (priority, order) = Passes.Order.Run(nodeDeps, outputNodes, g => specs[groups.Members[g][^1]].Key.ToString(),
            (a, b) => CompareKeys(specs[groups.Members[a][^1]].Key, specs[groups.Members[b][^1]].Key), dependents);
        var argStart = culled.ArgumentTasks.Starts;
        return new ExecutionPlan(specs, groups, nodeDeps, dependents, outputNodes, priority, order, argStart, argSource);
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

    // Dependencies between groups (those of each group's first member: later members read only the one before),
    // and where each argument comes from: a group's result, a literal, or the previous member's result.
    private static (Adjacency, int[]) ToGroups(CulledGraph culled, FusedGroups groups)
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
        var argSource = new int[culled.ArgumentTasks.EdgeCount];
        var argStart = culled.ArgumentTasks.Starts;
        for (int g = 0; g < nodes; g++)
        {
            var members = groups.Members[g];
            for (int i = 0; i < members.Length; i++)
            {
                var argTasks = culled.ArgumentTasks[members[i]];
                for (int a = 0; a < argTasks.Length; a++)
                {
                    int t = argTasks[a];
                    argSource[argStart[members[i]] + a] = t < 0 ? FromLiteral : i > 0 && t == members[i - 1] ? FromPrevious : groups.GroupOf[t];
                }
            }
        }
        return (new Adjacency(start, items), argSource);
    }

    private static int CountNodeEdges(FusedGroups groups, Adjacency taskDeps)
    {
        int count = 0;
        for (int g = 0; g < groups.Members.Count; g++) count += taskDeps.Degree(groups.Members[g][0]);
        return count;
    }

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
        _argSource = plan._argSource;
    }

    /// <summary>
    /// Runs node <paramref name="node"/>: every member task in order, reading dependency results from
    /// <paramref name="results"/> (indexed by node). Returns the last member's result. A throwing task is
    /// reported as <see cref="TaskFailedException"/> naming its key and function.
    /// </summary>
    public object? Run(int node, object?[] results)
    {
        object? previous = null;
        foreach (var m in _members[node])
        {
            var spec = _specs[m];
            if (spec.Function is not { } function)
            {
                previous = spec.Value;
                continue;
            }
            var args = spec.ArgArray;
            var values = args.Length == 0 ? [] : new object?[args.Length];
            int a0 = _argStart[m];
            for (int a = 0; a < args.Length; a++)
            {
                int src = _argSource[a0 + a];
                values[a] = src >= 0 ? results[src] : src == FromLiteral ? args[a].Literal : previous;
            }
            try
            {
                previous = function.Invoke(values);
            }
            catch (Exception e)
            {
                throw new TaskFailedException(spec.Key.ToString(), function.ToString(), e);
            }
        }
        return previous;
    }
}
