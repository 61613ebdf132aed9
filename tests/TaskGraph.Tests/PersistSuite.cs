using TaskGraph.Arrays;
using TaskGraph.Frames;
using static TaskGraph.Frames.Agg;
using static TaskGraph.Frames.Expr;

namespace TaskGraph.Tests;

/// <summary>
/// Persist on every scheduler: later computations use the kept results without running the user's function again
/// (each run appends a line to a file, so runs in worker processes are counted too). After
/// dask/distributed: distributed/tests/test_client.py::test_persist (same keys, same values as without persist).
/// </summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class PersistSuite(string schedulerName)
{
    private IScheduler _s = null!;
    private string _log = null!;

    [OneTimeSetUp]
    public void CreateScheduler() => _s = SchedulerCases.Create(schedulerName);

    [SetUp]
    public void SetUp() => _log = Path.Combine(Path.GetTempPath(), "tg-persist-" + Guid.NewGuid().ToString("N") + ".log");

    [TearDown]
    public void TearDown() => RunLog.Delete(_log);

    private int Runs => RunLog.Count(_log);

    /// <summary>A large result (800 KB: kept in a worker on the process pool), logging each run.</summary>
    private static double[] Ramp(int n, string log)
    {
        RunLog.Record(log, "ramp");
        return Enumerable.Range(0, n).Select(i => (double)i).ToArray();
    }

    [Test]
    public void APersistedDelayedIsNotComputedAgain()
    {
        var ramp = Delayed.Combine(Delayed.Value(100_000), Delayed.Value(_log), Ramp);
        using var kept = ramp.Persist(_s);
        Assert.That(Runs, Is.EqualTo(1));
        Assert.That(kept.Value.Key, Is.EqualTo(ramp.Key), "same key as the original");
        double expected = 100_000.0 * 99_999 / 2;
        Assert.That(kept.Value.Then(a => a.Sum()).Compute(_s), Is.EqualTo(expected));
        Assert.That(kept.Value.Then(a => a.Length).Compute(_s), Is.EqualTo(100_000));
        Assert.That(Delayed.Compute(kept.Value.Then(a => a[7]), kept.Value.Then(a => a[^1]), new ComputeOptions { Scheduler = _s }), Is.EqualTo((7.0, 99_999.0)));
        Assert.That(Runs, Is.EqualTo(1), "the persisted value was read, not recomputed");
        Assert.That(ramp.Then(a => a.Sum()).Compute(_s), Is.EqualTo(expected));
        Assert.That(Runs, Is.EqualTo(2), "the original still computes");
    }

    private static Func<Table, Table> Logged(string log) => t =>
    {
        RunLog.Record(log, "partition");
        return t;
    };

    [Test]
    public void APersistedFrameIsNotReadAgain()
    {
        int n = 40_000;
        var t = Table.Create(("k", Column.Of(Enumerable.Range(0, n).Select(i => (long)(i % 7)).ToArray())),
                             ("v", Column.Of(Enumerable.Range(0, n).Select(i => i * 0.25).ToArray())));
        var frame = Frame.FromTable(t, 4).MapPartitions(Logged(_log)).Filter(Col("v") > 10);
        using var kept = frame.Persist(_s);
        Assert.That(Runs, Is.EqualTo(4), "one run per partition");
        var g = kept.Value.GroupBy("k").Agg(Sum("v").As("s"), Count().As("n")).SortBy("k").Compute(_s);
        long rows = kept.Value.Count(_s);
        var filtered = kept.Value.Filter(Col("k") == 3L).Compute(_s);
        Assert.That(Runs, Is.EqualTo(4), "later computations read the kept partitions");

        var rowsExpected = Enumerable.Range(0, n).Where(i => i * 0.25 > 10).ToArray();
        Assert.That(rows, Is.EqualTo(rowsExpected.Length));
        Assert.That(filtered.RowCount, Is.EqualTo(rowsExpected.Count(i => i % 7 == 3)));
        for (int k = 0; k < 7; k++)
        {
            Assert.That(g[k, "k"], Is.EqualTo((long)k));
            Assert.That((double)g[k, "s"]!, Is.EqualTo(rowsExpected.Where(i => i % 7 == k).Sum(i => i * 0.25)).Within(1e-6));
        }
        Assert.That(kept.Value.Compute(_s).RowCount, Is.EqualTo(frame.Compute(_s).RowCount), "same rows as the original");
    }

    private static Func<DenseArray<double>, DenseArray<double>> LoggedBlock(string log) => b =>
    {
        RunLog.Record(log, "block");
        return b;
    };

    [Test]
    public void APersistedArrayIsNotComputedAgain()
    {
        var data = Enumerable.Range(0, 400 * 300).Select(i => (double)(i % 1000)).ToArray();
        var x = NdArray.FromArray(data, [400, 300], [100, 300]).MapBlocks(LoggedBlock(_log)) * 2.0;
        using var kept = x.Persist(_s);
        Assert.That(Runs, Is.EqualTo(4));
        double sum = (kept.Value + 1.0).Sum().Compute(_s).Scalar;
        double max = kept.Value.Max().Compute(_s).Scalar;
        var row = kept.Value.Compute(_s);
        Assert.That(Runs, Is.EqualTo(4), "later computations read the kept blocks");
        Assert.That(sum, Is.EqualTo(data.Sum(v => v * 2 + 1)));
        Assert.That(max, Is.EqualTo(data.Max() * 2));
        Assert.That(row.Data, Is.EqualTo(data.Select(v => v * 2).ToArray()));
    }
}
