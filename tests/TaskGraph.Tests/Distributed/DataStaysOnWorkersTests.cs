using System.Diagnostics;
using static TaskGraph.Frames.Agg;

namespace TaskGraph.Tests.Distributed;

/// <summary>
/// Issue 16, goal 1 on a real cluster (worker processes, real broker): partitions stay on the workers that made
/// them, a shuffle moves them worker to worker over the data plane, the client receives only the small output —
/// and a worker SIGKILLed in the middle of the shuffle takes its results with it, which are recomputed by lineage.
/// </summary>
public class DataStaysOnWorkersTests
{
    private const int LeftPartitions = 8, RowsPerPartition = 60_000, Keys = 1_500;

    // Made on the workers (never in the client): id = partition * rows + row; k = id mod 1500; v = id mod 97.
    private static Table Left(int partition)
    {
        var k = new long[RowsPerPartition];
        var v = new double[RowsPerPartition];
        for (int r = 0; r < RowsPerPartition; r++)
        {
            long id = (long)partition * RowsPerPartition + r;
            k[r] = id % Keys;
            v[r] = id % 97;
        }
        return Table.Create(("k", Column.Of(k)), ("v", Column.Of(v)));
    }

    // Three partitions of 500 keys each, w = 2k: every left row matches exactly one right row.
    private static Table Right(int partition)
    {
        var k = Enumerable.Range(partition * 500, 500).Select(x => (long)x).ToArray();
        return Table.Create(("k", Column.Of(k)), ("w", Column.Of(k.Select(x => 2.0 * x).ToArray())));
    }

    /// <summary>Merge with a hash shuffle (no broadcast), then a group-by: per key the sum of v, of w and the row count.</summary>
    private static Frame ShuffledGroupBy()
    {
        var left = Frame.FromDelayed(Enumerable.Range(0, LeftPartitions).Select(i => Delayed.Run(() => Left(i))), Schema.Of(("k", ColumnType.Int64), ("v", ColumnType.Double)));
        var right = Frame.FromDelayed(Enumerable.Range(0, 3).Select(i => Delayed.Run(() => Right(i))), Schema.Of(("k", ColumnType.Int64), ("w", ColumnType.Double)));
        return left.Merge(right, on: ["k"], broadcastMaxPartitions: 0, partitions: 4)
            .GroupBy("k").Agg(Sum("v").As("sv"), Sum("w").As("sw"), Count().As("n"));
    }

    /// <summary>The answer by loops over the same rows.</summary>
    private static void AssertRight(Table g)
    {
        var sv = new double[Keys];
        var n = new long[Keys];
        for (long id = 0; id < (long)LeftPartitions * RowsPerPartition; id++)
        {
            sv[id % Keys] += id % 97;
            n[id % Keys]++;
        }
        Assert.That(g.RowCount, Is.EqualTo(Keys));
        var ks = g["k"].Int64s;
        for (int i = 0; i < g.RowCount; i++)
        {
            long k = ks[i];
            Assert.That(g["sv"].Doubles[i], Is.EqualTo(sv[k]), $"sum of v for key {k}");
            Assert.That(g["sw"].Doubles[i], Is.EqualTo(2.0 * k * n[k]), $"sum of w for key {k}");
            Assert.That(g["n"].Int64s[i], Is.EqualTo(n[k]), $"rows of key {k}");
        }
        Assert.That(ks.Take(g.RowCount).Distinct().Count(), Is.EqualTo(Keys));
    }

    [Test]
    public void NoPartitionCrossesTheClient()
    {
        var cluster = TestCluster.Shared;
        long before = cluster.Scheduler.BytesReceived, placedBefore = cluster.Scheduler.PlacedTasks;
        var g = ShuffledGroupBy().Compute(cluster);
        long received = cluster.Scheduler.BytesReceived - before;
        TestContext.Progress.WriteLine($"client received {received:N0} bytes");
        AssertRight(g);
        // The left side alone is 8 partitions of 960 KB, each split into four pieces of ~240 KB for the shuffle;
        // the client received only completions and the 1,500-row output.
        long oneSplitPiece = RowsPerPartition * 16L / 4;
        Assert.That(received, Is.LessThan(oneSplitPiece), $"the client received {received:N0} bytes");
        // Each merge task reads eight pieces from two workers, so one of them holds at least four (~1 MB): the task
        // goes to that worker's own queue.
        Assert.That(cluster.Scheduler.PlacedTasks - placedBefore, Is.GreaterThan(0), "tasks sent to the worker holding their inputs");
    }

    [Test]
    public void WorkerKilledMidShuffleIsRecoveredByLineage()
    {
        using var cluster = TestCluster.Start("taskgraph.tests.kill-mid-shuffle", workers: 3, threads: 1);
        var killer = new KillOnFirstSplit(cluster);
        var g = ShuffledGroupBy().Compute(new ComputeOptions { Scheduler = cluster, Listeners = [killer] });
        AssertRight(g);
        Assert.That(killer.Killed, Is.Not.Null, "a worker was killed during the shuffle");
        Assert.That(killer.Killed!.HasExited, Is.True);
        // The split finished on the killed worker was held there, and no task had read it yet: it was recomputed.
        Assert.That(cluster.Scheduler.RecomputedResults, Is.GreaterThan(0));
    }

    [Test]
    public void EightWorkersOfOneThreadShuffleRight()
    {
        // Issue 16: 8 local workers of one thread each (as `compare --workers 8 --schedulers distributed`) run the
        // hash-shuffled merge and group-by right, their partitions moving worker to worker.
        using var cluster = TestCluster.Start("taskgraph.tests.eight-workers", workers: 8, threads: 1);
        var seen = new WorkersSeen();
        var g = ShuffledGroupBy().Compute(new ComputeOptions { Scheduler = cluster, Listeners = [seen] });
        AssertRight(g);
        Assert.That(seen.Names.Count, Is.GreaterThanOrEqualTo(4), $"tasks spread over the workers: {string.Join(", ", seen.Names)}");
        Assert.That(cluster.Scheduler.BytesReceived, Is.LessThan(RowsPerPartition * 16L / 4), "no partition crossed the client");
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
            if (Killed is not null || failed || !plan.KeyOf(node).ToString().Contains("shuffle-split-left", StringComparison.Ordinal)) return;
            var pid = int.Parse(worker[(worker.LastIndexOf(':') + 1)..]);
            var p = cluster.Workers.Single(w => w.Id == pid);
            p.Kill(); // SIGKILL: no goodbye, its results die with it
            p.WaitForExit();
            Killed = p;
        }
    }
}
