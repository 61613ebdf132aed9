using TaskGraph.Passes;

namespace TaskGraph.Tests;

/// <summary>Each graph pass alone. Graphs are drawn with dependencies below their dependents.</summary>
public class CullTests
{
    [Test]
    public void KeepsOnlyWhatOutputsNeed()
    {
        //   b   c      (c is not requested)
        //    \ /
        //     a
        var a = Delayed.Value(1);
        var b = a.Then(x => x + 1);
        _ = a.Then(x => x + 2);
        var g = Cull.Run([b.Spec]);
        Assert.That(g.Specs.Select(s => s.Key), Is.EquivalentTo(new[] { a.Key, b.Key }));
        Assert.That(g.Outputs, Has.Length.EqualTo(1));
    }

    [Test]
    public void MergesEqualKeysAndDuplicateArguments()
    {
        var a = Delayed.Value(7);
        var sq = Delayed.Combine(a, a, (x, y) => x * y);
        var g = Cull.Run([sq.Spec, sq.Spec]);
        Assert.That(g.Specs, Has.Length.EqualTo(2));
        Assert.That(g.Dependencies.EdgeCount, Is.EqualTo(1));
        Assert.That(g.Outputs[0], Is.EqualTo(g.Outputs[1]));
    }
}

public class FuseTests
{
    [Test]
    public void LinearChainBecomesOneTask()
    {
        // a -> b -> c -> d   becomes [a b c d]
        Delayed<int> x = Delayed.Value(0);
        for (int i = 0; i < 3; i++) x = x.Then(v => v + 1);
        var unfused = ExecutionPlan.Compile([x.Spec], fuse: false);
        var fused = ExecutionPlan.Compile([x.Spec], fuse: true);
        Assert.That((unfused.Count, fused.Count, fused.TaskCount), Is.EqualTo((4, 1, 4)));
    }

    [Test]
    public void BranchesStopFusion()
    {
        //   c   d
        //    \ /
        //     b        b has two dependents: a->b fuses, b->c and b->d do not
        //     |
        //     a
        var a = Delayed.Value(1);
        var b = a.Then(v => v + 1);
        var c = b.Then(v => v * 2);
        var d = b.Then(v => v * 3);
        var plan = ExecutionPlan.Compile([Delayed.Combine(c, d, (x, y) => x + y).Spec]);
        // groups: [a b], [c], [d], [sum]
        Assert.That(plan.Count, Is.EqualTo(4));
        Assert.That(plan.Members(plan.Outputs[0]).Length, Is.EqualTo(1));
    }

    [Test]
    public void OutputsAreNotFusedAway()
    {
        // a -> b, both requested: b may not swallow a
        var a = Delayed.Value(1).Then(v => v + 1);
        var b = a.Then(v => v + 1);
        var plan = ExecutionPlan.Compile([a.Spec, b.Spec]);
        Assert.That(plan.Count, Is.EqualTo(2)); // [literal a] and [b]
        Assert.That(plan.Outputs[0], Is.Not.EqualTo(plan.Outputs[1]));
        Assert.That(plan.KeyOf(plan.Outputs[0]), Is.EqualTo(a.Key));
    }

    [Test]
    public void FanInIsNotFused()
    {
        //  c
        // / \
        // a  b     c has two dependencies: nothing fuses into it
        var c = Delayed.Combine(Delayed.Value(1), Delayed.Value(2), (x, y) => x + y);
        Assert.That(ExecutionPlan.Compile([c.Spec]).Count, Is.EqualTo(3));
    }
}

public class CycleCheckTests
{
    [Test]
    public void NamesTheKeysOnACycle()
    {
        // a -> b -> c -> a
        var deps = Adjacency.FromLists([[2], [0], [1]]);
        string[] names = ["a", "b", "c"];
        var e = Assert.Throws<GraphCycleException>(() => CycleCheck.Run(deps, i => names[i]))!;
        Assert.That(e.Cycle, Has.Count.EqualTo(4));
        Assert.That(e.Message, Does.Contain("a").And.Contain("b").And.Contain("c"));
    }

    [Test]
    public void AcyclicGraphPasses()
        => Assert.DoesNotThrow(() => CycleCheck.Run(Adjacency.FromLists([[], [0], [0, 1]]), i => i.ToString()));

    [Test]
    public void KeyedGraphWithACycleFailsBeforeRunning()
    {
        int runs = 0;
        var g = new KeyedGraph()
            .Task<int, int>("x", v => { runs++; return v + 1; }, KeyedGraph.Ref("z"))
            .Task<int, int>("y", v => v + 1, KeyedGraph.Ref("x"))
            .Task<int, int>("z", v => v + 1, KeyedGraph.Ref("y"));
        var e = Assert.Throws<GraphCycleException>(() => g.Get<int>("x"))!;
        Assert.That(e.Message, Does.Contain("x -> ").And.Contain("y").And.Contain("z"));
        Assert.That(runs, Is.Zero);
    }

    [Test]
    public void KeyedGraphComputes()
    {
        var g = new KeyedGraph()
            .Value("a", 1)
            .Task<int, int>("b", v => v + 1, KeyedGraph.Ref("a"))
            .Task<int, int, int>("c", (x, y) => x * y, KeyedGraph.Ref("b"), 10);
        Assert.That(g.Get<int>("c").Compute(Scheduler.Synchronous), Is.EqualTo(20));
        Assert.That(g.Get<int>("c").Key.ToString(), Is.EqualTo("c"));
    }

    [Test]
    public void KeyedGraphNamesAMissingKey()
    {
        var g = new KeyedGraph().Task<int, int>("b", v => v + 1, KeyedGraph.Ref("nope"));
        var e = Assert.Throws<KeyNotFoundException>(() => g.Get<int>("b"))!;
        Assert.That(e.Message, Does.Contain("'b'").And.Contain("'nope'"));
    }
}

/// <summary>Cull and cycle detection against QuikGraph's algorithms on random graphs (FsCheck draws them).</summary>
public class PassOracleTests
{
    // One task per node, named t0, t1…, its dependencies as arguments (built dependencies first: the lists point down).
    private static TaskSpec[] Specs(int[][] lists)
    {
        var fn = TaskFunction.Create((Func<object?[], int>)(args => args.Length), TaskInvokers.CallArgs<int>, "f");
        var specs = new TaskSpec[lists.Length];
        for (int i = 0; i < lists.Length; i++)
            specs[i] = TaskSpec.Call(TaskKey.Named($"t{i}"), fn, lists[i].Select(d => TaskArg.Of(specs[d])).ToArray());
        return specs;
    }

    [Test]
    public void CullKeepsExactlyWhatQuikGraphReaches() => GraphOracle.Check(c =>
    {
        var lists = GraphOracle.RandomLists(c);
        var specs = Specs(lists);
        var outputs = Enumerable.Range(0, c.Nodes).Where(i => (i * 7919 + c.Seed) % 5 == 0).DefaultIfEmpty(c.Nodes - 1).ToArray();
        var culled = Cull.Run(outputs.Select(o => specs[o]).ToArray());
        var expected = GraphOracle.Reachable(GraphOracle.ToQuik(lists), outputs).Select(i => $"t{i}").ToHashSet();
        var kept = culled.Specs.Select(s => s.Key.ToString()).ToHashSet();
        // Same edges, renumbered: the culled graph is the reachable subgraph.
        var edges = Enumerable.Range(0, culled.Specs.Length)
            .SelectMany(t => culled.Dependencies[t].ToArray().Select(d => (culled.Specs[t].Key.ToString(), culled.Specs[d].Key.ToString())))
            .ToHashSet();
        var expectedEdges = expected.SelectMany(k => lists[int.Parse(k[1..])].Select(d => (k, $"t{d}"))).ToHashSet();
        return kept.SetEquals(expected) && culled.Specs.Length == expected.Count && edges.SetEquals(expectedEdges);
    });

    [Test]
    public void CycleCheckAgreesWithQuikGraphAndNamesARealCycle() => GraphOracle.Check(c =>
    {
        var lists = GraphOracle.RandomLists(c, backEdges: true);
        var quik = GraphOracle.ToQuik(lists);
        var cycle = CycleCheck.Find(Adjacency.FromLists(lists), -1, i => i.ToString());
        if (GraphOracle.IsDag(quik)) return cycle is null;
        if (cycle is null || cycle.Count < 2 || cycle[0] != cycle[^1]) return false;
        var nodes = cycle.Select(int.Parse).ToArray();
        // Every step of the reported cycle is an edge of the graph: a task and one of its dependencies.
        return nodes.Zip(nodes.Skip(1)).All(p => quik.ContainsEdge(p.First, p.Second));
    });

    [Test]
    public void KeyedGraphCycleNamesEveryKeyOnIt()
    {
        var g = new KeyedGraph()
            .Value("a", 1)
            .Task<int, int, int>("b", (x, y) => x + y, KeyedGraph.Ref("a"), KeyedGraph.Ref("d"))
            .Task<int, int>("c", v => v, KeyedGraph.Ref("b"))
            .Task<int, int>("d", v => v, KeyedGraph.Ref("c"))
            .Task<int, int>("out", v => v, KeyedGraph.Ref("d"));
        var e = Assert.Throws<GraphCycleException>(() => g.Get<int>("out"))!;
        Assert.That(e.Cycle, Is.EqualTo(new[] { "d", "c", "b", "d" }));
        Assert.That(e.Message, Is.EqualTo("The task graph has a cycle: d -> c -> b -> d"));
    }

    [Test]
    public void KeyedGraphSelfReferenceIsACycle()
    {
        var g = new KeyedGraph().Task<int, int>("x", v => v, KeyedGraph.Ref("x"));
        var e = Assert.Throws<GraphCycleException>(() => g.Get<int>("x"))!;
        Assert.That(e.Cycle, Is.EqualTo(new[] { "x", "x" }));
    }

    [Test]
    public void ExportedGraphHasEveryTaskAndEdgeFromDependencyToDependent()
    {
        var a = Delayed.Value(1, name: "a");
        var b = a.Then(v => v + 1, name: "b");
        var c = a.Then(v => v * 2, name: "c");
        var d = Delayed.Combine(b, c, (x, y) => x + y, name: "d");
        var g = d.ToQuikGraph();
        Assert.That(g.VertexCount, Is.EqualTo(4));
        Assert.That(g.EdgeCount, Is.EqualTo(4));
        Assert.That(g.InDegree(d.Key), Is.EqualTo(2));
        Assert.That(g.OutDegree(a.Key), Is.EqualTo(2));
        var order = QuikGraph.Algorithms.AlgorithmExtensions.TopologicalSort(g).ToList();
        Assert.That(order.First(), Is.EqualTo(a.Key));
        Assert.That(order.Last(), Is.EqualTo(d.Key));
        // A critical path: the longest chain of dependencies (unit cost per task) is a -> b -> d (or a -> c -> d).
        var depth = new Dictionary<TaskKey, int>();
        foreach (var v in order) depth[v] = g.InEdges(v).Select(e => depth[e.Source] + 1).DefaultIfEmpty(0).Max();
        Assert.That(depth[d.Key], Is.EqualTo(2));
    }
}
