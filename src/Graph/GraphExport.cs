using QuikGraph;

namespace TaskGraph;

/// <summary>
/// Exports task graphs to QuikGraph, so that its algorithms (topological sorts, critical paths, shortest paths,
/// strongly connected components) run on them. The export is a copy: schedulers keep working on the plan's own
/// arrays.
/// </summary>
public static class GraphExport
{
    /// <summary>
    /// The nodes of <paramref name="plan"/> as a QuikGraph graph: one vertex per node, keyed by the node's
    /// <see cref="TaskKey"/> (the result task's key for a fused chain), and one edge from each dependency to the node
    /// that needs it, so edges follow the data and a topological sort is an order to run the tasks in.
    /// </summary>
    /// <example><code>
    /// using QuikGraph.Algorithms;
    /// var g = total.ToQuikGraph();
    /// var order = g.TopologicalSort().ToList();                // dependencies first
    /// var depth = new Dictionary&lt;TaskKey, int&gt;();            // longest chain of tasks ending at each task
    /// foreach (var v in order) depth[v] = g.InEdges(v).Select(e => depth[e.Source] + 1).DefaultIfEmpty(0).Max();
    /// </code></example>
    public static BidirectionalGraph<TaskKey, SEquatableEdge<TaskKey>> ToQuikGraph(this ExecutionPlan plan)
    {
        ArgumentNullException.ThrowIfNull(plan);
        var graph = new BidirectionalGraph<TaskKey, SEquatableEdge<TaskKey>>(allowParallelEdges: false, plan.Count);
        for (int node = 0; node < plan.Count; node++) graph.AddVertex(plan.KeyOf(node));
        for (int node = 0; node < plan.Count; node++)
        {
            var key = plan.KeyOf(node);
            foreach (var d in plan.Dependencies[node]) graph.AddEdge(new SEquatableEdge<TaskKey>(plan.KeyOf(d), key));
        }
        return graph;
    }
}
