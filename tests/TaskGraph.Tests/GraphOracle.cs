using FsCheck;
using FsCheck.Fluent;
using QuikGraph;
using QuikGraph.Algorithms;
using QuikGraph.Algorithms.Search;

namespace TaskGraph.Tests;

/// <summary>
/// QuikGraph as an independent oracle for the graph passes: random graphs are built as int lists, then checked
/// against QuikGraph's own reachability, acyclicity and edges.
/// </summary>
internal static class GraphOracle
{
    /// <summary>A random graph case: a seed, a node count, the edge density and whether back edges (cycles) may appear.</summary>
    public static Gen<(int Seed, int Nodes, int Density)> Cases =>
        from seed in Gen.Choose(0, 1_000_000)
        from nodes in Gen.Choose(1, 60)
        from density in Gen.Choose(1, 4)
        select (seed, nodes, density);

    public static void Check(Func<(int Seed, int Nodes, int Density), bool> property, int tests = 150)
        => Prop.ForAll(Cases.ToArbitrary(), property).Check(Config.QuickThrowOnFailure.WithMaxTest(tests));

    /// <summary>Dependency lists (node i depends on the listed nodes): only lower numbers, so a DAG, unless <paramref name="backEdges"/>.</summary>
    public static int[][] RandomLists((int Seed, int Nodes, int Density) c, bool backEdges = false)
    {
        var rng = new Random(c.Seed);
        return Enumerable.Range(0, c.Nodes).Select(i =>
        {
            var deps = Enumerable.Range(0, i).Where(_ => rng.NextDouble() < (double)c.Density / (i + 1)).ToList();
            if (backEdges && rng.Next(6) == 0) deps.Add(rng.Next(i, c.Nodes)); // may close a cycle, or point at itself
            return deps.Distinct().ToArray();
        }).ToArray();
    }

    /// <summary>The same graph in QuikGraph, edges from a task to what it depends on.</summary>
    public static AdjacencyGraph<int, SEquatableEdge<int>> ToQuik(IReadOnlyList<int[]> lists)
    {
        var g = new AdjacencyGraph<int, SEquatableEdge<int>>(allowParallelEdges: false);
        g.AddVertexRange(Enumerable.Range(0, lists.Count));
        for (int i = 0; i < lists.Count; i++)
            foreach (var d in lists[i]) g.AddEdge(new SEquatableEdge<int>(i, d));
        return g;
    }

    /// <summary>QuikGraph's own acyclicity test (a depth-first search for back edges).</summary>
    public static bool IsDag(AdjacencyGraph<int, SEquatableEdge<int>> g) => g.IsDirectedAcyclicGraph();

    /// <summary>Every vertex reachable from <paramref name="roots"/> (roots included), by QuikGraph's depth-first search.</summary>
    public static HashSet<int> Reachable(AdjacencyGraph<int, SEquatableEdge<int>> g, IEnumerable<int> roots)
    {
        var seen = new HashSet<int>();
        var dfs = new DepthFirstSearchAlgorithm<int, SEquatableEdge<int>>(g);
        dfs.DiscoverVertex += v => seen.Add(v);
        foreach (var r in roots.Distinct())
        {
            if (seen.Contains(r)) continue;
            // Compute(root) resets colours: already seen parts are walked again, which only re-adds them.
            dfs.Compute(r);
        }
        return seen;
    }
}
