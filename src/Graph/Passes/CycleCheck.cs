using QuikGraph;
using QuikGraph.Algorithms;

namespace TaskGraph.Passes;

/// <summary>
/// Cycle detection: finds a cycle in a dependency graph and names the tasks on it. Graphs built from
/// <see cref="TaskSpec"/> objects cannot have cycles; hand-written keyed graphs (<see cref="KeyedGraph"/>) and
/// explicit keys that collide can. The cycle comes from QuikGraph's strongly connected components: a component
/// of several nodes (or a node depending on itself) holds a cycle, and a breadth-first walk inside it names the
/// shortest one through its first node. Only error paths and keyed graphs come here, never the scheduling hot path.
/// </summary>
public static class CycleCheck
{
    /// <summary>Throws <see cref="GraphCycleException"/> if <paramref name="dependencies"/> has a cycle.</summary>
    public static void Run(Adjacency dependencies, Func<int, string> nameOf)
    {
        var cycle = Find(dependencies, -1, nameOf);
        if (cycle is not null) throw new GraphCycleException(cycle);
    }

    /// <summary>
    /// A cycle as names in dependency order (first repeated at the end), or null. Looks only at what
    /// <paramref name="from"/> reaches when it is a node, else at the whole graph.
    /// </summary>
    public static IReadOnlyList<string>? Find(Adjacency dependencies, int from, Func<int, string> nameOf)
    {
        ArgumentNullException.ThrowIfNull(dependencies);
        var graph = new AdjacencyGraph<int, SEquatableEdge<int>>(allowParallelEdges: false, dependencies.Count);
        IEnumerable<int> nodes = from >= 0 ? Reachable(dependencies, from) : Enumerable.Range(0, dependencies.Count);
        foreach (var v in nodes) graph.AddVertex(v);
        foreach (var v in graph.Vertices.ToArray())
            foreach (var d in dependencies[v]) graph.AddEdge(new SEquatableEdge<int>(v, d));
        return Find(graph, v => nameOf(v));
    }

    /// <summary>
    /// A cycle of <paramref name="graph"/> (edges point from a task to what it depends on) as names in edge order,
    /// the first repeated at the end; null when the graph is acyclic.
    /// </summary>
    public static IReadOnlyList<string>? Find<TVertex, TEdge>(IVertexListGraph<TVertex, TEdge> graph, Func<TVertex, string> nameOf)
        where TVertex : notnull where TEdge : IEdge<TVertex>
    {
        ArgumentNullException.ThrowIfNull(graph);
        var component = new Dictionary<TVertex, int>();
        graph.StronglyConnectedComponents(component);
        var size = new Dictionary<int, int>();
        foreach (var c in component.Values) size[c] = size.GetValueOrDefault(c) + 1;
        // Vertices in the graph's own order, so the cycle reported is deterministic.
        foreach (var v in graph.Vertices)
        {
            int c = component[v];
            bool selfLoop = graph.OutEdges(v).Any(e => EqualityComparer<TVertex>.Default.Equals(e.Target, v));
            if (size[c] > 1 || selfLoop) return CycleThrough(graph, v, u => component[u] == c).Select(nameOf).ToList();
        }
        return null;
    }

    // The shortest path from `start` back to itself inside one strongly connected component (one exists by definition).
    private static List<TVertex> CycleThrough<TVertex, TEdge>(IVertexListGraph<TVertex, TEdge> graph, TVertex start, Func<TVertex, bool> inComponent)
        where TVertex : notnull where TEdge : IEdge<TVertex>
    {
        var parent = new Dictionary<TVertex, TVertex>();
        var queue = new Queue<TVertex>([start]);
        while (queue.Count > 0)
        {
            var v = queue.Dequeue();
            foreach (var e in graph.OutEdges(v))
            {
                var t = e.Target;
                if (EqualityComparer<TVertex>.Default.Equals(t, start))
                {
                    var path = new List<TVertex> { start };
                    for (var u = v; !EqualityComparer<TVertex>.Default.Equals(u, start); u = parent[u]) path.Insert(1, u);
                    path.Add(start);
                    return path;
                }
                if (!inComponent(t) || parent.ContainsKey(t)) continue;
                parent[t] = v;
                queue.Enqueue(t);
            }
        }
        throw new InvalidOperationException($"No cycle through '{start}' in its strongly connected component.");
    }

    private static List<int> Reachable(Adjacency dependencies, int from)
    {
        var seen = new bool[dependencies.Count];
        var order = new List<int> { from };
        seen[from] = true;
        for (int i = 0; i < order.Count; i++)
            foreach (var d in dependencies[order[i]])
                if (!seen[d]) { seen[d] = true; order.Add(d); }
        return order;
    }
}
