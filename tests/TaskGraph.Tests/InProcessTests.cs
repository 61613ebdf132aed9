namespace TaskGraph.Tests;

/// <summary>Behaviour observed through process-local state (counters, weak references), on the in-process schedulers.</summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.InProcess))]
public class InProcessTests(string schedulerName)
{
    private ComputeOptions On => new() { Scheduler = SchedulerCases.Create(schedulerName) };

    [Test]
    public void SharedWorkRunsOnce()
    {
        int runs = 0;
        var shared = Delayed.Run(() => { Interlocked.Increment(ref runs); return 10; });
        var (a, b) = Delayed.Compute(shared.Then(x => x + 1), shared.Then(x => x + 2), On);
        Assert.That((a, b, runs), Is.EqualTo((11, 12, 1)));
    }

    [Test]
    public void IdenticalSubgraphsBuiltTwiceCollapse()
    {
        int runs = 0;
        int Count(int x) { Interlocked.Increment(ref runs); return x * 2; }
        Func<int, int> count = Count;
        var a = Delayed.Value(3).Then(count);
        var b = Delayed.Value(3).Then(count);
        Assert.That(a.Key, Is.EqualTo(b.Key));
        var (x, y) = Delayed.Compute(a.Then(v => v + 1), b.Then(v => v + 2), On);
        Assert.That((x, y, runs), Is.EqualTo((7, 8, 1)));
    }

    [Test]
    public void ImpureCallsAreNotShared()
    {
        int runs = 0;
        Func<int> f = () => Interlocked.Increment(ref runs);
        var a = Delayed.Run(f).Impure();
        var b = Delayed.Run(f).Impure();
        Assert.That(a.Key, Is.Not.EqualTo(b.Key));
        Delayed.Compute(a, b, On);
        Assert.That(runs, Is.EqualTo(2));
    }

    [Test]
    public void NothingRunsBeforeCompute()
    {
        int runs = 0;
        var x = Delayed.Run(() => Interlocked.Increment(ref runs)).Then(v => v + 1);
        Assert.That(runs, Is.Zero);
        x.Compute(On);
        Assert.That(runs, Is.EqualTo(1));
    }

    [Test]
    public void CullRunsOnlyWhatTheOutputNeeds()
    {
        int unrelated = 0;
        var a = Delayed.Value(1).Then(v => v + 1);
        _ = a.Then(v => { Interlocked.Increment(ref unrelated); return v; });
        Assert.That(a.Compute(On), Is.EqualTo(2));
        Assert.That(unrelated, Is.Zero);
    }

    [Test]
    public void IntermediatesAreReleasedBeforeTheComputeEnds()
    {
        // produce -> shrink -> check: once shrink has run, nothing holds produce's big result, so check (which
        // runs later) can see it collected while the compute is still going.
        var weak = new WeakReference?[1];
        var produce = Delayed.Run(() => { var big = new byte[10_000_000]; weak[0] = new WeakReference(big); return big; }).Impure();
        var shrink = produce.Then(b => b.Length);
        var check = shrink.Then(n =>
        {
            for (int i = 0; i < 5 && weak[0]!.IsAlive; i++) { GC.Collect(); GC.WaitForPendingFinalizers(); }
            return (n, alive: weak[0]!.IsAlive);
        });
        var (length, alive) = check.Compute(On with { Fuse = false });
        Assert.That(length, Is.EqualTo(10_000_000));
        Assert.That(alive, Is.False, "the intermediate array was still referenced after its only dependent ran");
    }

    [Test]
    public void OutputsAreKeptEvenWhenOtherTasksReadThem()
    {
        var a = Delayed.Value(2).Then(v => v * 2);
        var b = a.Then(v => v + 1);
        var (x, y) = Delayed.Compute(a, b, On with { Fuse = false });
        Assert.That((x, y), Is.EqualTo((4, 5)));
    }
}

/// <summary>Ordering as the schedulers follow it: the synchronous one runs exactly in priority order.</summary>
public class SynchronousOrderTests
{
    [Test]
    public void SynchronousRunsBranchesOneAfterAnother()
    {
        //   a1   a2
        //   |    |
        //   b1   b2
        //    \  /
        //     c
        var log = new List<string>();
        Delayed<int> Step(string name, Delayed<int> input) => input.Then(v => { log.Add(name); return v + 1; }, name);
        var a1 = Step("a1", Delayed.Value(0));
        var a2 = Step("a2", Delayed.Value(100));
        var b1 = Step("b1", a1);
        var b2 = Step("b2", a2);
        var c = Delayed.Combine(b1, b2, (x, y) => { log.Add("c"); return x + y; });
        c.Compute(new ComputeOptions { Scheduler = Scheduler.Synchronous, Fuse = false });
        Assert.That(log, Is.EqualTo(new[] { "a1", "b1", "a2", "b2", "c" }));
    }

    [Test]
    public void ThreadPoolUsesSeveralThreads()
    {
        var threads = new System.Collections.Concurrent.ConcurrentDictionary<int, bool>();
        using var barrier = new Barrier(2);
        // Two tasks that each wait for the other: they can only finish if two threads run them at once.
        var a = Delayed.Run(() => { threads[Environment.CurrentManagedThreadId] = true; return barrier.SignalAndWait(TimeSpan.FromSeconds(30)); }).Impure();
        var b = Delayed.Run(() => { threads[Environment.CurrentManagedThreadId] = true; return barrier.SignalAndWait(TimeSpan.FromSeconds(30)); }).Impure();
        var (x, y) = Delayed.Compute(a, b, new ComputeOptions { Scheduler = Scheduler.Threads(2) });
        Assert.That((x, y, threads.Count), Is.EqualTo((true, true, 2)));
    }
}
