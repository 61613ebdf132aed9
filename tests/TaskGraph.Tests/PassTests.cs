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
