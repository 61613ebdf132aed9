namespace TaskGraph.Passes;

/// <summary>
/// The tasks that requested outputs need, numbered, with their dependencies as int edges.
/// <see cref="ArgumentTasks"/> maps each argument of each task to the task it reads (or -1 for a literal):
/// argument <c>a</c> of task <c>t</c> is entry <c>ArgumentTasks[t][a]</c>.
/// </summary>
public sealed record CulledGraph(TaskSpec[] Specs, Adjacency Dependencies, int[] Outputs, Adjacency ArgumentTasks);

/// <summary>
/// Cull: keeps only the tasks the outputs need (everything reachable from them), merges tasks with equal keys
/// (identical subgraphs built twice, work shared by several outputs) and numbers them.
/// Iterative, so a chain of a million tasks does not overflow the stack.
/// </summary>
public static class Cull
{
    /// <summary>Collects what <paramref name="outputs"/> need. Duplicate dependencies of one task are kept once.</summary>
    public static CulledGraph Run(IReadOnlyList<TaskSpec> outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        var ids = new Dictionary<TaskKey, int>();
        var specs = new List<TaskSpec>();
        var pending = new Stack<TaskSpec>();
        var outIds = new int[outputs.Count];
        for (int i = 0; i < outputs.Count; i++)
        {
            var o = outputs[i] ?? throw new ArgumentNullException(nameof(outputs), $"Output {i} is null.");
            outIds[i] = Visit(o);
        }
        while (pending.Count > 0)
        {
            foreach (var a in pending.Pop().ArgArray)
                if (a.Dependency is { } d) Visit(d);
        }

        int Visit(TaskSpec s)
        {
            if (ids.TryGetValue(s.Key, out var id)) return id;
            id = specs.Count;
            ids.Add(s.Key, id);
            specs.Add(s);
            pending.Push(s);
            return id;
        }

        // Dependencies as ids, each distinct dependency once per task.
        var all = specs.ToArray();
        var start = new int[all.Length + 1];
        var items = new List<int>(all.Length * 2);
        var argStart = new int[all.Length + 1];
        for (int i = 0; i < all.Length; i++) argStart[i + 1] = argStart[i] + all[i].ArgArray.Length;
        var argTask = new int[argStart[^1]];
        var lastSeenBy = new int[all.Length];
        Array.Fill(lastSeenBy, -1);
        for (int i = 0; i < all.Length; i++)
        {
            var args = all[i].ArgArray;
            for (int a = 0; a < args.Length; a++)
            {
                if (args[a].Dependency is not { } d) { argTask[argStart[i] + a] = -1; continue; }
                var dep = ids[d.Key];
                argTask[argStart[i] + a] = dep;
                if (lastSeenBy[dep] == i) continue;
                lastSeenBy[dep] = i;
                items.Add(dep);
            }
            start[i + 1] = items.Count;
        }
        return new CulledGraph(all, new Adjacency(start, items.ToArray()), outIds, new Adjacency(argStart, argTask));
    }
}
