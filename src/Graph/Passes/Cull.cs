using System.Runtime.InteropServices;

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
/// A breadth-first walk in numbering order, so each task's arguments are resolved exactly once, with one hash
/// lookup per edge (the hash table is the cost at a million tasks), and no recursion.
/// </summary>
public static class Cull
{
    /// <summary>Collects what <paramref name="outputs"/> need. Duplicate dependencies of one task are kept once.</summary>
    public static CulledGraph Run(IReadOnlyList<TaskSpec> outputs)
    {
        ArgumentNullException.ThrowIfNull(outputs);
        var ids = new Dictionary<Token, int>();
        var specs = new List<TaskSpec>();
        var outIds = new int[outputs.Count];
        for (int i = 0; i < outputs.Count; i++)
            outIds[i] = Visit(outputs[i] ?? throw new ArgumentNullException(nameof(outputs), $"Output {i} is null."));

        var argStart = new List<int>(specs.Count + 1) { 0 };
        var argTask = new List<int>();
        var depStart = new List<int>(specs.Count + 1) { 0 };
        var deps = new List<int>();
        var lastSeenBy = new List<int>();
        for (int i = 0; i < specs.Count; i++) // specs grows while we walk: breadth-first
        {
            foreach (var a in specs[i].ArgArray)
            {
                if (a.Dependency is not { } d) { argTask.Add(-1); continue; }
                int dep = Visit(d);
                argTask.Add(dep);
                while (lastSeenBy.Count <= dep) lastSeenBy.Add(-1);
                if (lastSeenBy[dep] == i) continue; // the same dependency twice in one task
                lastSeenBy[dep] = i;
                deps.Add(dep);
            }
            argStart.Add(argTask.Count);
            depStart.Add(deps.Count);
        }
        return new CulledGraph(specs.ToArray(), new Adjacency(depStart.ToArray(), deps.ToArray()), outIds,
            new Adjacency(argStart.ToArray(), argTask.ToArray()));

        int Visit(TaskSpec s)
        {
            ref int id = ref CollectionsMarshal.GetValueRefOrAddDefault(ids, s.Key.Token, out bool exists);
            if (exists)
            {
                // Explicitly named tasks are keyed by their name alone: one name for two values is the user's mistake.
                if (specs[id].ClashesWith(s)) throw TaskSpec.NameClash(specs[id], s);
                return id;
            }
            id = specs.Count;
            specs.Add(s);
            return id;
        }
    }
}
