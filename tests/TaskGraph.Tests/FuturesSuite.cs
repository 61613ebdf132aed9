namespace TaskGraph.Tests;

/// <summary>
/// Futures on every scheduler (<see cref="TaskGraphClient"/>), after Dask's client tests
/// (dask/distributed: distributed/tests/test_client.py::test_submit, ::test_map, ::test_errors_dont_block,
/// ::test_add_done_callback, ::test_cancel, ::test_scatter; distributed/tests/test_as_completed.py::test_as_completed_async).
/// Tasks that must wait for the test wait for a file the test writes (a gate), never for time.
/// </summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class FuturesSuite(string schedulerName)
{
    private IScheduler _scheduler = null!;
    private TaskGraphClient _client = null!;
    private string _dir = null!;

    [OneTimeSetUp]
    public void CreateScheduler() => _scheduler = SchedulerCases.Create(schedulerName);

    [SetUp]
    public void SetUp()
    {
        _client = TaskGraphClient.Connect(_scheduler);
        Directory.CreateDirectory(_dir = Path.Combine(Path.GetTempPath(), "tg-futures-" + Guid.NewGuid().ToString("N")));
    }

    [TearDown]
    public void TearDown()
    {
        File.WriteAllText(Path.Combine(_dir, "gate"), ""); // frees any task still waiting
        _client.Dispose();
        try { Directory.Delete(_dir, true); } catch (IOException) { }
    }

    private string Gate => Path.Combine(_dir, "gate");

    private static int Inc(int x) => x + 1;

    private static int Add(int x, int y) => x + y;

    private static int ThrowsOnThree(int x) => x == 3 ? throw new InvalidOperationException($"three is refused ({x})") : x * 10;

    /// <summary>Item 0 waits until the gate file exists (at most a minute, so a broken test fails instead of hanging); others return at once.</summary>
    private static int SlowIfZero(int x, string gate)
    {
        if (x == 0) WaitFor(gate);
        return x;
    }

    private static int WaitThenInc(int x, string gate)
    {
        WaitFor(gate);
        return x + 1;
    }

    private static void WaitFor(string gate)
    {
        var end = DateTime.UtcNow.AddMinutes(1);
        while (!File.Exists(gate) && DateTime.UtcNow < end) Thread.Sleep(5);
    }

    [Test]
    public async Task SubmitAwaitsAndChainsFutures()
    {
        // test_client.py::test_submit
        var x = _client.Submit(Inc, 10);
        Assert.That(await x, Is.EqualTo(11));
        Assert.That(x.Status, Is.EqualTo(FutureStatus.Finished));
        var y = _client.Submit(Inc, 20);
        var z = _client.Submit(Add, x, y);
        Assert.That(await z, Is.EqualTo(11 + 21));
        Assert.That(await _client.Submit(Delayed.Value(4).Then(Inc)), Is.EqualTo(5));
    }

    [Test]
    public async Task MapGivesOneFuturePerItemInOrder()
    {
        // test_client.py::test_map
        var items = Enumerable.Range(0, 25).ToArray();
        var futures = _client.Map(Inc, items);
        Assert.That(futures, Has.Count.EqualTo(25));
        Assert.That(futures.Select(f => f.Key).Distinct().Count(), Is.EqualTo(25), "distinct keys");
        Assert.That(await futures[0], Is.EqualTo(1));
        Assert.That(await _client.Gather(futures), Is.EqualTo(items.Select(i => i + 1).ToArray()));
        var total = _client.Submit(xs => xs.Sum(), await _client.Gather(_client.Map(Inc, futures.Select(f => f.Result))));
        Assert.That(await total, Is.EqualTo(items.Sum(i => i + 2)));
        Assert.That(await _client.Gather(_client.Map(Inc, Array.Empty<int>())), Is.Empty);
    }

    [Test]
    public async Task AsCompletedYieldsTheFastTaskFirst()
    {
        // test_as_completed.py::test_as_completed_async; multiprocessing's imap_unordered. Item 0 waits for the gate,
        // which opens only once item 1 was yielded: on a scheduler with two workers, 1 must come first.
        var futures = _client.Map(SlowIfZero, new[] { 0, 1 }, Delayed.Value(Gate));
        var order = new List<int>();
        await foreach (var f in _client.AsCompleted(futures))
        {
            order.Add(await f);
            File.WriteAllText(Gate, "");
        }
        if (schedulerName == "sync") Assert.That(order, Is.EquivalentTo(new[] { 0, 1 }), "one thread: in the order the tasks ran");
        else Assert.That(order, Is.EqualTo(new[] { 1, 0 }));
    }

    [Test]
    public async Task AFailureNamesItsKeyAndDoesNotFailTheOthers()
    {
        // test_client.py::test_errors_dont_block and ::test_exceptions
        var futures = _client.Map(ThrowsOnThree, Enumerable.Range(0, 6));
        var seen = new List<Future<int>>();
        await foreach (var f in _client.AsCompleted(futures)) seen.Add(f);
        Assert.That(seen, Is.EquivalentTo(futures));
        for (int i = 0; i < 6; i++)
        {
            if (i == 3) continue;
            Assert.That(futures[i].Status, Is.EqualTo(FutureStatus.Finished), $"item {i}");
            Assert.That(futures[i].Result, Is.EqualTo(i * 10));
        }
        Assert.That(futures[3].Status, Is.EqualTo(FutureStatus.Error));
        var error = await Assert.ThrowsAsync<TaskFailedException>(async () => await futures[3]);
        Assert.That(error!.Key, Is.EqualTo(futures[3].Key.ToString()));
        Assert.That(error.ToString(), Does.Contain("three is refused"));
        Assert.That(futures[3].Exception, Is.TypeOf<TaskFailedException>());
        var gathered = await Assert.ThrowsAsync<TaskFailedException>(() => _client.Gather(futures));
        Assert.That(gathered!.Key, Is.EqualTo(futures[3].Key.ToString()));
        var single = _client.Submit(ThrowsOnThree, 3);
        Assert.That((await Assert.ThrowsAsync<TaskFailedException>(async () => await single))!.Key, Is.EqualTo(single.Key.ToString()));
    }

    [Test]
    public async Task CallbacksRunOnResultAndOnError()
    {
        // test_client.py::test_add_done_callback; multiprocessing's apply_async(callback=, error_callback=)
        var done = new System.Collections.Concurrent.ConcurrentDictionary<string, FutureStatus>();
        var all = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var ok = _client.Submit(Inc, 1);
        var bad = _client.Submit(ThrowsOnThree, 3);
        foreach (var f in new[] { ok, bad })
            f.AddDoneCallback(x => { done[x.Key.ToString()] = x.Status; if (done.Count == 2) all.TrySetResult(); });
        await all.Task.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.That(done[ok.Key.ToString()], Is.EqualTo(FutureStatus.Finished));
        Assert.That(done[bad.Key.ToString()], Is.EqualTo(FutureStatus.Error));

        var result = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        var failure = new TaskCompletionSource<Exception>(TaskCreationOptions.RunContinuationsAsynchronously);
        _client.Submit(Inc, 41).OnCompleted(r => result.TrySetResult(r), e => failure.TrySetResult(e));
        _client.Submit(ThrowsOnThree, 3).OnCompleted(r => result.TrySetResult(-r), e => failure.TrySetResult(e));
        Assert.That(await result.Task.WaitAsync(TimeSpan.FromMinutes(2)), Is.EqualTo(42));
        var e = await failure.Task.WaitAsync(TimeSpan.FromMinutes(2));
        Assert.That(e, Is.TypeOf<TaskFailedException>());
        Assert.That(((TaskFailedException)e).Key, Does.StartWith("ThrowsOnThree"));

        // A callback added to a finished future runs too.
        var late = new TaskCompletionSource<FutureStatus>(TaskCreationOptions.RunContinuationsAsynchronously);
        ok.AddDoneCallback(x => late.TrySetResult(x.Status));
        Assert.That(await late.Task.WaitAsync(TimeSpan.FromMinutes(2)), Is.EqualTo(FutureStatus.Finished));
    }

    [Test]
    public async Task CancelStopsWaitingAndTheClientGoesOn()
    {
        // test_client.py::test_cancel
        var slow = _client.Submit(WaitThenInc, 1, Gate);
        Assert.That(slow.Cancel(), Is.True);
        Assert.That(slow.Status, Is.EqualTo(FutureStatus.Cancelled));
        await Assert.ThrowsAsync<TaskCanceledException>(async () => await slow);
        Assert.That(slow.Cancel(), Is.False, "already done");
        File.WriteAllText(Gate, "");
        Assert.That(await _client.Submit(Inc, 1), Is.EqualTo(2));

        // Cancelling some futures of a Map leaves the others running.
        File.Delete(Gate);
        var many = _client.Map(SlowIfZero, new[] { 0, 1, 2 }, Delayed.Value(Gate));
        Assert.That(many[0].Cancel(), Is.True);
        File.WriteAllText(Gate, "");
        Assert.That(await _client.Gather(many.Skip(1)), Is.EqualTo(new[] { 1, 2 }));
        Assert.That(many[0].Status, Is.EqualTo(FutureStatus.Cancelled));

        // Disposing the client cancels what is still pending.
        File.Delete(Gate);
        var pending = _client.Submit(WaitThenInc, 5, Gate);
        _client.Dispose();
        Assert.That(pending.Status, Is.EqualTo(FutureStatus.Cancelled));
        Assert.Throws<ObjectDisposedException>(() => _client.Submit(Inc, 1));
    }

    private sealed class Lookup
    {
        public double[] Values = [];
    }

    private static double Score(int i, Lookup table) => table.Values[i] * 2;

    [Test]
    public async Task ScatteredValueIsReadByManyTasks()
    {
        // test_client.py::test_scatter
        var table = new Lookup { Values = Enumerable.Range(0, 1000).Select(i => i * 0.5).ToArray() };
        var placed = _client.Scatter(table);
        Assert.That(placed.Status, Is.EqualTo(FutureStatus.Finished));
        var scores = await _client.Gather(_client.Map(Score, Enumerable.Range(0, 40), placed));
        Assert.That(scores, Is.EqualTo(Enumerable.Range(0, 40).Select(i => i * 0.5 * 2).ToArray()));
        Assert.That(await _client.Submit(Delayed.Combine(placed.ToDelayed(), Delayed.Value(7), (t, i) => t.Values[i])), Is.EqualTo(3.5));
    }
}
