using TaskGraph.Frames;

namespace TaskGraph.Tests.Distributed;

/// <summary>
/// Persisted results on the cluster stay on the worker processes that computed them (real workers, a real broker):
/// later computations use them there without computing them again and without the client receiving them (its
/// received bytes stay far below their size), disposing the handle drops them from the workers, and a holder that
/// was killed is made good from the lineage. A scattered value is placed on a worker once and read there.
/// </summary>
[NonParallelizable]
public class PersistOnClusterTests
{
    private LocalCluster _cluster = null!;
    private string _log = null!;

    [OneTimeSetUp]
    public void StartCluster() => _cluster = TestCluster.Start("taskgraph.tests.persist", workers: 2, threads: 1);

    [OneTimeTearDown]
    public void StopCluster() => _cluster.Dispose();

    [SetUp]
    public void SetUp() => _log = Path.Combine(Path.GetTempPath(), "tg-persist-cluster-" + Guid.NewGuid().ToString("N") + ".log");

    [TearDown]
    public void TearDown() => RunLog.Delete(_log);

    /// <summary>Runs of <see cref="Block"/> so far (each run appends a line, from whichever worker process ran it).</summary>
    private int Runs => RunLog.Count(_log);

    /// <summary>A 1 MB table (8 bytes × 125,000 rows), logging each run.</summary>
    private static Table Block(int part, string log)
    {
        RunLog.Record(log, $"block {part}");
        return Table.Create(("v", Column.Of(Enumerable.Range(0, 125_000).Select(i => (double)(part * 1_000_000 + i)).ToArray())));
    }

    private Frame FourBlocks() => Frame.FromDelayed(
        Enumerable.Range(0, 4).Select(p => Delayed.Combine(Delayed.Value(p), Delayed.Value(_log), Block)), new Schema([new Field("v", ColumnType.Double)]));

    private static double Expected => Enumerable.Range(0, 4).Sum(p => Enumerable.Range(0, 125_000).Sum(i => (double)(p * 1_000_000 + i)));

    private static double Sum(Frame f, IScheduler on) => (double)f.Agg(Agg.Sum("v").As("s")).Compute(on)[0, "s"]!;

    private static WorkerResident[] Residents(Frame f) => f.LowerPartitions().Select(s => (WorkerResident)s.Function!.Target!).ToArray();

    private long Received => _cluster.Scheduler.BytesReceived;

    [Test]
    public void PersistedPartitionsStayOnTheWorkersAndAreUsedThere()
    {
        long before = Received;
        using var kept = FourBlocks().Persist(_cluster);
        Assert.That(Runs, Is.EqualTo(4));
        Assert.That(Received - before, Is.LessThan(1_000_000), "the four 1 MB partitions stayed on the workers");
        Assert.That(Residents(kept.Value).Select(r => r.Holder), Has.All.Not.Empty, "each partition is held by a worker");

        for (int round = 0; round < 2; round++)
        {
            before = Received;
            Assert.That(Sum(kept.Value, _cluster), Is.EqualTo(Expected));
            Assert.That(Runs, Is.EqualTo(4), "not computed again");
            Assert.That(Received - before, Is.LessThan(1_000_000), "the partitions were read where they are, not through the client");
        }
    }

    [Test]
    public void DisposingTheHandleReleasesThemOnTheWorkers()
    {
        var kept = FourBlocks().Persist(_cluster);
        var residents = Residents(kept.Value);
        bool Held(WorkerResident r) => _cluster.Scheduler.Peers.TryGet(r.Holder, r.StoredAs.Store, r.StoredAs.Node, out _);
        Assert.That(residents.Select(Held), Has.All.True, "each holder serves its partition");
        kept.Dispose();
        Assert.That(residents.Select(Held), Has.All.False, "dropped by their holders");
        var e = Assert.Throws<TaskFailedException>(() => Sum(kept.Value, _cluster))!;
        Assert.That(e.InnerException, Is.TypeOf<ObjectDisposedException>());
        Assert.That(e.InnerException!.Message, Does.Contain(e.Key), "the error names the released key");
        kept.Dispose(); // twice is harmless
    }

    [Test]
    public void APersistedValueIsReadByAnotherScheduler()
    {
        using var kept = Delayed.Combine(Delayed.Value(0), Delayed.Value(_log), Block).Persist(_cluster);
        Assert.That(kept.Value.Then(t => t.RowCount).Compute(Scheduler.Synchronous), Is.EqualTo(125_000));
        Assert.That(Runs, Is.EqualTo(1), "fetched from its worker, not computed again");
    }

    [Test]
    public void ASmallPersistedValueIsKeptInTheClient()
    {
        using var kept = Delayed.Combine(Delayed.Value(20), Delayed.Value(_log), (x, log) => { RunLog.Record(log, "small"); return x + 1; }).Persist(_cluster);
        Assert.That(kept.Value.Then(x => x * 2).Compute(_cluster), Is.EqualTo(42));
        Assert.That(kept.Value.Compute(_cluster), Is.EqualTo(21));
        Assert.That(Runs, Is.EqualTo(1));
    }

    private static double Score(int i, double[] table) => table[i] + table.Length;

    [Test]
    public async Task AScatteredValueIsPlacedOnAWorkerOnceAndReadThere()
    {
        using var client = TaskGraphClient.Connect(_cluster);
        var table = Enumerable.Range(0, 250_000).Select(i => (double)i).ToArray(); // 2 MB
        var placed = client.Scatter(table);
        var resident = (WorkerResident)placed.ToDelayed().Spec.Function!.Target!;
        Assert.That(resident.Holder, Is.Not.Empty, "kept by a worker, not by the client");
        Assert.That(resident.Size, Is.GreaterThanOrEqualTo(table.Length * 8L));
        long before = Received;
        for (int round = 0; round < 3; round++)
        {
            var scores = await client.Gather(client.Map(Score, Enumerable.Range(0, 30), placed));
            Assert.That(scores, Is.EqualTo(Enumerable.Range(0, 30).Select(i => i + 250_000.0)));
        }
        Assert.That(Received - before, Is.LessThan(table.Length * 8L), "the table never came back to the client");
    }

    [Test]
    public void AHolderThatWasKilledIsMadeGoodFromTheLineage()
    {
        using var cluster = TestCluster.Start("taskgraph.tests.persistkill", workers: 2, threads: 1);
        using var kept = FourBlocks().Persist(cluster);
        Assert.That(Runs, Is.EqualTo(4));
        // A worker names itself host:pid; kill one that holds a partition.
        int victim = int.Parse(Residents(kept.Value).First(r => r.Worker.Length > 0).Worker.Split(':')[^1]);
        var process = cluster.Workers.Single(p => p.Id == victim);
        process.Kill();
        process.WaitForExit();
        long recomputed = cluster.Scheduler.RecomputedResults;

        Assert.That(Sum(kept.Value, cluster), Is.EqualTo(Expected));
        Assert.That(Runs, Is.InRange(5, 8), "only the partitions lost with the worker ran again");
        Assert.That(cluster.Scheduler.RecomputedResults, Is.GreaterThan(recomputed));
        int runs = Runs;
        Assert.That(Sum(kept.Value, cluster), Is.EqualTo(Expected));
        Assert.That(Runs, Is.EqualTo(runs), "the partitions made again are kept again");
    }
}
