namespace TaskGraph.Tests;

/// <summary>Behaviour every scheduler must have: results, sharing, failures, cancellation, options.</summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class SchedulerSuite(string schedulerName)
{
    private IScheduler _scheduler = null!;

    [OneTimeSetUp]
    public void CreateScheduler() => _scheduler = SchedulerCases.Create(schedulerName);

    private ComputeOptions On => new() { Scheduler = _scheduler };

    private static int Inc(int x) => x + 1;
    private static int Add(int x, int y) => x + y;

    [Test]
    public void ValueThenAndCombineCompute()
    {
        var a = Delayed.Value(21);
        var b = Delayed.Run(() => 2);
        var c = Delayed.Combine(a, b, (x, y) => x * y);
        var d = c.Then(x => x + 1);
        Assert.That(d.Compute(On), Is.EqualTo(43));
    }

    [Test]
    public void CombineTakesUpToEightInputs()
    {
        var v = Enumerable.Range(1, 8).Select(i => Delayed.Value(i)).ToArray();
        Assert.That(Delayed.Combine(v[0], v[1], v[2], (a, b, c) => a + b + c).Compute(On), Is.EqualTo(6));
        Assert.That(Delayed.Combine(v[0], v[1], v[2], v[3], v[4], v[5], v[6], v[7],
            (a, b, c, d, e, f, g, h) => a * 10_000_000 + b * 1_000_000 + c * 100_000 + d * 10_000 + e * 1_000 + f * 100 + g * 10 + h).Compute(On),
            Is.EqualTo(12_345_678));
    }

    [Test]
    public void AllKeepsOrder()
    {
        var items = Enumerable.Range(0, 100).Select(i => Delayed.Value(i).Then(Inc)).ToList();
        Assert.That(Delayed.All(items).Compute(On), Is.EqualTo(Enumerable.Range(1, 100).ToArray()));
    }

    [Test]
    public void AllOfNothingIsEmpty() => Assert.That(Delayed.All(Array.Empty<Delayed<int>>()).Compute(On), Is.Empty);

    [Test]
    public void WrappedMethodTakesDelayedAndPlainArguments()
    {
        var inc = Delayed.Wrap<int, int>(Inc);
        var add = Delayed.Wrap<int, int, int>(Add);
        var r = add(inc(1), inc(inc(10)));
        Assert.That(r.Compute(On), Is.EqualTo(14));
    }

    [Test]
    public void TuplesSplitIntoParts()
    {
        var pair = Delayed.Run(() => (Name: "x", Count: 3));
        var (name, count) = pair.Split();
        Assert.That(Delayed.Combine(name, count, (n, c) => string.Concat(Enumerable.Repeat(n, c))).Compute(On), Is.EqualTo("xxx"));
    }

    [Test]
    public void SeveralOutputsInOneGraph()
    {
        var shared = Delayed.Value(5).Then(Inc);
        var (p, q) = Delayed.Compute(shared.Then(x => x * 2), shared.Then(x => x * 3), On);
        Assert.That((p, q), Is.EqualTo((12, 18)));
    }

    [Test]
    public void SameValueRequestedTwice()
    {
        var x = Delayed.Value(1).Then(Inc);
        var (a, b) = Delayed.Compute(x, x, On);
        Assert.That((a, b), Is.EqualTo((2, 2)));
    }

    [Test]
    public void TreeSumOfManyTasks()
    {
        const int n = 5_000;
        var level = Enumerable.Range(0, n).Select(i => Delayed.Wrap<int, int>(Inc)(i)).ToList();
        while (level.Count > 1)
        {
            var next = new List<Delayed<int>>();
            for (int i = 0; i + 1 < level.Count; i += 2) next.Add(Delayed.Combine(level[i], level[i + 1], Add));
            if (level.Count % 2 == 1) next.Add(level[^1]);
            level = next;
        }
        Assert.That(level[0].Compute(On with { Fuse = false }), Is.EqualTo(n * (n + 1) / 2));
    }

    [Test]
    public void LongChainDoesNotOverflowTheStack()
    {
        // Planning is iterative whatever the scheduler: a 100,000-task chain compiles, fused or not, and runs fused.
        Delayed<int> x = Delayed.Value(0);
        for (int i = 0; i < 100_000; i++) x = x.Then(Inc);
        Assert.That(ExecutionPlan.Compile([x.Spec], fuse: false).Count, Is.EqualTo(100_001));
        Assert.That(x.Compute(On), Is.EqualTo(100_000));
        // Unfused, every task is a round trip: in-process the whole chain, out of process a shorter one.
        int n = SchedulerCases.InProcess().Contains(schedulerName) ? 100_000 : 2_000;
        Delayed<int> y = Delayed.Value(0);
        for (int i = 0; i < n; i++) y = y.Then(Inc);
        Assert.That(y.Compute(On with { Fuse = false }), Is.EqualTo(n));
    }

    [Test]
    public void PersistKeepsTheResultUnderTheSameKey()
    {
        var x = Delayed.Value(20).Then(Inc);
        using var kept = x.Persist(_scheduler);
        var persisted = kept.Value;
        Assert.That(persisted.Key, Is.EqualTo(x.Key));
        Assert.That(persisted.Spec.Dependencies, Is.Empty, "a persisted value reads the kept result, not its inputs");
        Assert.That(persisted.Then(Inc).Compute(On), Is.EqualTo(22));
    }

    [Test]
    public async Task ComputeAsyncReturnsTheValue()
    {
        var x = Delayed.Value(1).Then(Inc);
        Assert.That(await x.ComputeAsync(On), Is.EqualTo(2));
    }

    [Test]
    public void FailureNamesKeyAndFunctionWithOriginalException()
    {
        var ok = Delayed.Value(1).Then(Inc);
        var bad = ok.Then(Explode);
        var after = bad.Then(Inc);
        var e = Assert.Throws<TaskFailedException>(() => after.Compute(On with { Fuse = false }))!;
        Assert.That(e.Key, Does.StartWith("Explode-"));
        Assert.That(e.Function, Does.Contain("Explode"));
        Assert.That(e.Message, Does.Contain(bad.Key.ToString()).And.Contain("boom 2"));
        Assert.That(e.InnerException, Is.TypeOf<InvalidOperationException>());
        Assert.That(e.InnerException!.StackTrace, Does.Contain(nameof(Explode)));
    }

    private static int Explode(int x) => throw new InvalidOperationException($"boom {x}");

    [Test]
    public void FailureInsideAFusedChainNamesTheFailingTask()
    {
        var bad = Delayed.Value(1).Then(Inc).Then(Explode).Then(Inc);
        var e = Assert.Throws<TaskFailedException>(() => bad.Compute(On))!;
        Assert.That(e.Key, Does.StartWith("Explode-"));
    }

    [Test]
    public void FirstFailureStopsFurtherWork()
    {
        // One task fails; the many independent tasks behind it in priority order must not all run. The ordering
        // walks the heavier branch first, so the failing task sits on a branch heavier than the 1000 others.
        int ran = 0;
        var bad = Delayed.All(Enumerable.Range(0, 1_001).Select(i => Delayed.Value(i))).Then(v => Explode(v.Length));
        var rest = Enumerable.Range(0, 1_000).Select(i => Delayed.Run(() => { Interlocked.Increment(ref ran); Thread.Sleep(1); return i; }).Impure()).ToList();
        var all = Delayed.Combine(bad, Delayed.All(rest), (a, b) => a + b.Length);
        Assert.Throws<TaskFailedException>(() => all.Compute(On));
        if (SchedulerCases.InProcess().Contains(schedulerName))
            Assert.That(Volatile.Read(ref ran), Is.LessThan(1_000));
    }

    [Test]
    public async Task CancellationStopsPromptlyWithOperationCanceled()
    {
        using var cts = new CancellationTokenSource();
        var slow = Enumerable.Range(0, 200).Select(i => Delayed.Run(() => { Thread.Sleep(50); return i; }).Impure());
        var total = Delayed.All(slow).Then(a => a.Sum());
        cts.CancelAfter(100);
        var run = total.ComputeAsync(On with { CancellationToken = cts.Token });
        // 200 tasks of 50 ms would take 5 s on 2 workers; cancellation must end it long before this bound.
        var ex = await Assert.CatchAsync<OperationCanceledException>(async () => await run.WaitAsync(TimeSpan.FromSeconds(60)));
        Assert.That(ex, Is.InstanceOf<OperationCanceledException>());
    }

    [Test]
    public void AlreadyCancelledTokenThrowsWithoutRunning()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var x = Delayed.Value(1).Then(Inc);
        Assert.Catch<OperationCanceledException>(() => x.Compute(On with { CancellationToken = cts.Token }));
    }

    [Test]
    public void ScopedSchedulerIsUsedByCompute()
    {
        var before = TaskGraphOptions.CurrentScheduler;
        using (Scheduler.Use(_scheduler))
        {
            Assert.That(TaskGraphOptions.CurrentScheduler, Is.SameAs(_scheduler));
            Assert.That(Delayed.Value(1).Then(Inc).Compute(), Is.EqualTo(2));
        }
        Assert.That(TaskGraphOptions.CurrentScheduler, Is.SameAs(before));
    }

    [Test]
    public void ListenersSeeEveryTask()
    {
        var listener = new CountingListener();
        var x = Enumerable.Range(0, 20).Select(i => Delayed.Wrap<int, int>(Inc)(i)).ToList();
        Delayed.All(x).Compute(On with { Fuse = false, Listeners = [listener] });
        Assert.That((listener.Started, listener.Finished, listener.Computes), Is.EqualTo((21, 21, 1)));
    }

    private sealed class CountingListener : IComputeListener
    {
        public int Started, Finished, Computes;
        public void OnTaskStarted(ExecutionPlan plan, int node, string worker) => Interlocked.Increment(ref Started);
        public void OnTaskFinished(ExecutionPlan plan, int node, string worker, bool failed) => Interlocked.Increment(ref Finished);
        public void OnComputeFinished(ExecutionPlan plan, Exception? error) => Interlocked.Increment(ref Computes);
    }
}
