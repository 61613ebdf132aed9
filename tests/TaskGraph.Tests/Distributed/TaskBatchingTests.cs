namespace TaskGraph.Tests.Distributed;

/// <summary>
/// Small tasks share broker messages on the cluster (<see cref="TaskBatch"/>), with the same answers as one task per
/// message: a wide fan-out of tiny tasks goes out in far fewer messages than tasks, and a chain (one ready task at a
/// time) still runs right.
/// </summary>
public class TaskBatchingTests
{
    private static long Inc(long x) => x + 1;

    [Test]
    public void ManySmallReadyTasksShareMessages()
    {
        var scheduler = TestCluster.Shared.Scheduler;
        const int n = 3_000;
        var inc = Delayed.Wrap<long, long>(Inc);
        var leaves = Enumerable.Range(0, n).Select(i => inc(i)).ToList();
        // A tree of pairwise sums over the leaves, as Dask's delayed overhead benchmark builds it.
        var level = leaves;
        int tasks = n;
        while (level.Count > 1)
        {
            var next = new List<Delayed<long>>();
            for (int i = 0; i + 1 < level.Count; i += 2) next.Add(Delayed.Combine(level[i], level[i + 1], (a, b) => a + b));
            if (level.Count % 2 == 1) next.Add(level[^1]);
            tasks += level.Count / 2;
            level = next;
        }
        long messages = scheduler.TaskMessages, sent = scheduler.TasksSent;
        long total = level[0].Compute(new ComputeOptions { Scheduler = scheduler, Fuse = false });
        messages = scheduler.TaskMessages - messages;
        sent = scheduler.TasksSent - sent;
        TestContext.Progress.WriteLine($"{sent} tasks in {messages} messages");
        Assert.That(total, Is.EqualTo(Enumerable.Range(0, n).Sum(i => (long)i + 1)));
        Assert.That(sent, Is.GreaterThanOrEqualTo(tasks), "every task was sent");
        Assert.That(messages, Is.LessThan(sent / 4), "small tasks travel several to a message");
    }

    [Test]
    public void AChainStillRunsOneTaskAfterTheOther()
    {
        var inc = Delayed.Wrap<long, long>(Inc);
        var x = inc(0);
        for (int i = 1; i < 200; i++) x = inc(x);
        Assert.That(x.Compute(new ComputeOptions { Scheduler = TestCluster.Shared, Fuse = false }), Is.EqualTo(200));
    }
}
