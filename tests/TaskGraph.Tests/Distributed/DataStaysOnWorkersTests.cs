using System.Diagnostics;

namespace TaskGraph.Tests.Distributed;

/// <summary>
/// Issue 16, goal 1 on a real cluster (worker processes, real broker): partitions stay on the workers that made
/// them, a shuffle moves them worker to worker over the data plane, the client receives only the small output —
/// and a worker SIGKILLed in the middle of the shuffle takes its results with it, which are recomputed by lineage.
/// The graph and its answer: <see cref="ShuffleCase"/> (the process pool passes the same tests, <c>Processes/PoolDataPlaneTests</c>).
/// </summary>
public class DataStaysOnWorkersTests
{
    [Test]
    public void NoPartitionCrossesTheClient()
    {
        var cluster = TestCluster.Shared;
        long before = cluster.Scheduler.BytesReceived, placedBefore = cluster.Scheduler.PlacedTasks;
        var g = ShuffleCase.ShuffledGroupBy().Compute(cluster);
        long received = cluster.Scheduler.BytesReceived - before;
        TestContext.Progress.WriteLine($"client received {received:N0} bytes");
        ShuffleCase.AssertRight(g);
        // The left side alone is 8 partitions of 960 KB, each split into four pieces of ~240 KB for the shuffle;
        // the client received only completions and the 1,500-row output.
        long oneSplitPiece = ShuffleCase.OneSplitPiece;
        Assert.That(received, Is.LessThan(oneSplitPiece), $"the client received {received:N0} bytes");
        // Each merge task reads eight pieces from two workers, so one of them holds at least four (~1 MB): the task
        // goes to that worker's own queue.
        Assert.That(cluster.Scheduler.PlacedTasks - placedBefore, Is.GreaterThan(0), "tasks sent to the worker holding their inputs");
    }

    [Test]
    public void ProbesOfABroadcastRunWhereTheirPartitionsWereMade()
    {
        // As on the pool (PoolDataPlaneTests): the input every probe reads is fetched once per worker and kept there
        // (HeldInput.KeepCopy); each probe goes to the worker holding its own partition.
        using var cluster = TestCluster.Start("taskgraph.tests.broadcast-placement", workers: 2, threads: 1);
        var probes = BroadcastCase.Probes();
        var placement = new BroadcastCase.Placement(probes);
        var sums = Delayed.Compute(probes, new ComputeOptions { Scheduler = cluster, Listeners = [placement] });
        for (int i = 0; i < sums.Length; i++) Assert.That(sums[i], Is.EqualTo(BroadcastCase.Expected(i)), $"probe {i}");
        var where = Enumerable.Range(0, sums.Length).Select(placement.Of).ToArray();
        TestContext.Progress.WriteLine(string.Join("; ", where.Select((w, i) => $"{i}: {w.Partition} -> {w.Probe}")));
        // A probe waits at most 2 s in its worker's own queue before any worker may take it (a slow machine may
        // let one go), so one in eight may run elsewhere; before, all eight ran on the shared input's worker.
        int followed = where.Count(w => w.Probe == w.Partition);
        Assert.That(followed, Is.GreaterThanOrEqualTo(BroadcastCase.Partitions - 1), "probes ran where their partitions were made");
        Assert.That(cluster.Scheduler.BytesReceived, Is.LessThan(BroadcastCase.PartitionValues * 8L), "no partition crossed the client");
    }

    [Test]
    public void WorkerKilledMidShuffleIsRecoveredByLineage()
    {
        using var cluster = TestCluster.Start("taskgraph.tests.kill-mid-shuffle", workers: 3, threads: 1);
        var killer = new KillOnFirstSplit(cluster);
        var g = ShuffleCase.ShuffledGroupBy().Compute(new ComputeOptions { Scheduler = cluster, Listeners = [killer] });
        ShuffleCase.AssertRight(g);
        Assert.That(killer.Killed, Is.Not.Null, "a worker was killed during the shuffle");
        Assert.That(killer.Killed!.HasExited, Is.True);
        // The split finished on the killed worker was held there, and no task had read it yet: it was made again —
        // recomputed by lineage when a reader missed it, or run again by the worker that took the killed worker's
        // unacknowledged batch (the split was in it), whose readers then find it there.
        Assert.That(cluster.Scheduler.RecomputedResults + cluster.Scheduler.RerunResults, Is.GreaterThan(0));
    }

    [Test]
    public void EightWorkersOfOneThreadShuffleRight()
    {
        // Issue 16: 8 local workers of one thread each (as `compare --workers 8 --schedulers distributed`) run the
        // hash-shuffled merge and group-by right, their partitions moving worker to worker.
        using var cluster = TestCluster.Start("taskgraph.tests.eight-workers", workers: 8, threads: 1);
        var seen = new WorkersSeen();
        var g = ShuffleCase.ShuffledGroupBy().Compute(new ComputeOptions { Scheduler = cluster, Listeners = [seen] });
        ShuffleCase.AssertRight(g);
        Assert.That(seen.Names.Count, Is.GreaterThanOrEqualTo(4), $"tasks spread over the workers: {string.Join(", ", seen.Names)}");
        Assert.That(cluster.Scheduler.BytesReceived, Is.LessThan(ShuffleCase.OneSplitPiece), "no partition crossed the client");
    }

    private sealed class WorkersSeen : IComputeListener
    {
        public readonly System.Collections.Concurrent.ConcurrentDictionary<string, bool> Seen = new();

        public ICollection<string> Names => Seen.Keys;

        public void OnTaskFinished(ExecutionPlan plan, int node, string worker, bool failed) => Seen[worker] = true;
    }

    /// <summary>SIGKILLs the worker that finished the first left shuffle split, as soon as the client hears of it (before any reader of that split is sent).</summary>
    private sealed class KillOnFirstSplit(LocalCluster cluster) : IComputeListener
    {
        public Process? Killed;

        public void OnTaskFinished(ExecutionPlan plan, int node, string worker, bool failed)
        {
            if (Killed is not null || failed || !plan.KeyOf(node).ToString().Contains(ShuffleCase.LeftSplit, StringComparison.Ordinal)) return;
            var pid = int.Parse(worker[(worker.LastIndexOf(':') + 1)..]);
            var p = cluster.Workers.Single(w => w.Id == pid);
            p.Kill(); // SIGKILL: no goodbye, its results die with it
            p.WaitForExit();
            Killed = p;
        }
    }
}
