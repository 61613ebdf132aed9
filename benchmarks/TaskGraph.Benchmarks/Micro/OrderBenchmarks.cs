using BenchmarkDotNet.Attributes;
using TaskGraph.Passes;

namespace TaskGraph.Benchmarks.Micro;

/// <summary>
/// The ordering pass alone (it runs on every compute): a fan-out of 500,000 roots plus a tree sum (999,999 tasks)
/// and a blocked matrix product (40 × 40 blocks: 3,200 inputs, 64,000 block products, 1,600 sums). The tie-break
/// compares a per-task key, as the plan's tie-break compares task keys.
/// </summary>
[SimpleJob(launchCount: 1, warmupCount: 2, iterationCount: 5)]
[MemoryDiagnoser]
// Micro-benchmarks measure one core with the runtime's default (workstation) GC; the comparison runner uses Server GC.
[GcServer(false)]
public class OrderBenchmarks
{
    private Graph _tree = null!, _matmul = null!;

    private sealed record Graph(Adjacency Dependencies, Adjacency Dependents, int[] Outputs, long[] Keys);

    /// <summary>Builds both graphs once.</summary>
    [GlobalSetup]
    public void Setup()
    {
        _tree = Tree(500_000);
        _matmul = Matmul(40);
    }

    /// <summary>Orders the fan-out plus tree sum.</summary>
    [Benchmark]
    public int FanOutTreeSum() => Run(_tree);

    /// <summary>Orders the blocked matrix product.</summary>
    [Benchmark]
    public int BlockedMatmul() => Run(_matmul);

    private static int Run(Graph g)
    {
        var keys = g.Keys;
        var (priority, _) = Order.Run(g.Dependencies, g.Outputs, i => i.ToString(), (a, b) => keys[a].CompareTo(keys[b]), g.Dependents);
        return priority[g.Outputs[0]];
    }

    private static Graph Build(List<int[]> lists, int[] outputs)
    {
        var deps = Adjacency.FromLists(lists);
        var random = new Random(1);
        var keys = new long[lists.Count];
        for (int i = 0; i < keys.Length; i++) keys[i] = random.NextInt64();
        return new Graph(deps, deps.Transpose(), outputs, keys);
    }

    private static Graph Tree(int roots)
    {
        var lists = new List<int[]>();
        var level = new List<int>();
        for (int i = 0; i < roots; i++) { level.Add(lists.Count); lists.Add([]); }
        while (level.Count > 1)
        {
            var next = new List<int>(level.Count / 2 + 1);
            for (int i = 0; i + 1 < level.Count; i += 2) { next.Add(lists.Count); lists.Add([level[i], level[i + 1]]); }
            if (level.Count % 2 == 1) next.Add(level[^1]);
            level = next;
        }
        return Build(lists, [level[0]]);
    }

    private static Graph Matmul(int blocks)
    {
        var lists = new List<int[]>();
        int a = 0, b = blocks * blocks;
        for (int i = 0; i < 2 * blocks * blocks; i++) lists.Add([]);
        var outputs = new List<int>();
        for (int i = 0; i < blocks; i++)
            for (int j = 0; j < blocks; j++)
            {
                var products = new int[blocks];
                for (int k = 0; k < blocks; k++) { products[k] = lists.Count; lists.Add([a + i * blocks + k, b + k * blocks + j]); }
                outputs.Add(lists.Count);
                lists.Add(products);
            }
        return Build(lists, [.. outputs]);
    }
}
