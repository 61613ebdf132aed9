namespace TaskGraph.Passes;

/// <summary>Groups of tasks that run as one: group <c>g</c> runs <c>Members[g]</c> in order, the last one's result is the group's.</summary>
public sealed record FusedGroups(Adjacency Members, int[] GroupOf);

/// <summary>
/// Fuse: linear chains become one task (Dask's <c>fuse_linear</c>). Task <c>u</c> fuses into <c>v</c> when
/// <c>v</c> is <c>u</c>'s only dependent, <c>u</c> is <c>v</c>'s only dependency, and <c>u</c> is not an output
/// (its result must be kept) nor a result a scheduler keeps (a persisted partition, see <see cref="IResidentResult"/>).
/// Fewer, larger tasks cost less scheduling; the chain's intermediate results never leave the worker that runs it.
/// <code>
///   a -> b -> c      (b needs only a, c needs only b, a and b have one dependent)
///   becomes one task [a, b, c]
/// </code>
/// </summary>
public static class Fuse
{
    /// <summary>Fuses linear chains of <paramref name="graph"/>.</summary>
    public static FusedGroups Run(CulledGraph graph)
    {
        var deps = graph.Dependencies;
        var dependents = deps.Transpose();
        int n = deps.Count;
        var isOutput = new bool[n];
        foreach (var o in graph.Outputs) isOutput[o] = true;

        // next[u] = v when u fuses into v; hasPrev[v] when something fuses into v.
        var next = new int[n];
        var hasPrev = new bool[n];
        for (int u = 0; u < n; u++)
        {
            next[u] = -1;
            // A task standing for a result kept by a scheduler stays a node of its own (see IResidentResult).
            if (isOutput[u] || dependents.Degree(u) != 1 || graph.Specs[u].Function?.Target is IResidentResult) continue;
            int v = dependents[u][0];
            if (deps.Degree(v) != 1) continue;
            next[u] = v;
            hasPrev[v] = true;
        }
        return FromChains(n, next, hasPrev);
    }

    /// <summary>No fusion: every task is its own group.</summary>
    public static FusedGroups None(CulledGraph graph)
    {
        int n = graph.Specs.Length;
        var start = new int[n + 1];
        var items = new int[n];
        for (int i = 0; i < n; i++) { start[i + 1] = i + 1; items[i] = i; }
        return new FusedGroups(new Adjacency(start, items), items);
    }

    private static FusedGroups FromChains(int n, int[] next, bool[] hasPrev)
    {
        var groupOf = new int[n];
        var start = new List<int>(n + 1) { 0 };
        var items = new int[n];
        int filled = 0, groups = 0;
        for (int h = 0; h < n; h++)
        {
            if (hasPrev[h]) continue; // not a chain head
            for (int m = h; m >= 0; m = next[m])
            {
                items[filled++] = m;
                groupOf[m] = groups;
            }
            groups++;
            start.Add(filled);
        }
        return new FusedGroups(new Adjacency(start.ToArray(), items), groupOf);
    }
}
