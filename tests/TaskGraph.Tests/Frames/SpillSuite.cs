using static TaskGraph.Frames.Agg;

namespace TaskGraph.Tests.Frames;

/// <summary>
/// Shuffles larger than memory (<see cref="ComputeOptions.MemoryLimit"/>): under a limit far below the data every
/// shuffle split spills its buckets to disk, and each result must equal the unlimited one and an independent LINQ
/// computation; the computation's spill directory must be gone after success, failure and cancellation. Spilling is
/// seen from outside: a step after the shuffle (running where the gather ran, a worker process too) and a
/// listener in the client count the spill files on disk while the computation runs.
/// </summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class SpillSuite(string schedulerName)
{
    // One byte: the managed heap is always past half of it, so every split spills.
    private const long FarBelowTheData = 1;

    private IScheduler _s = null!;
    private string _root = null!;
    private Table _left = null!;
    private Table _right = null!;

    [SetUp]
    public void SetUp()
    {
        _s = SchedulerCases.Create(schedulerName);
        Directory.CreateDirectory(_root = Path.Combine(Path.GetTempPath(), "tg-spill-" + Guid.NewGuid().ToString("N")));
        var rnd = new Random(17);
        int n = 3000;
        _left = Table.Create(
            ("id", Column.Of(Enumerable.Range(0, n).Select(i => (long)rnd.Next(1200)).ToArray())),
            ("vendor", Column.Of(Enumerable.Range(0, n).Select(i => i % 11 == 0 ? null : $"V{rnd.Next(25):00}").ToArray())),
            ("fare", Column.Of(Enumerable.Range(0, n).Select(i => Math.Round(rnd.NextDouble() * 100, 2)).ToArray())));
        _right = Table.Create(
            ("id", Column.Of(Enumerable.Range(0, 1000).Select(i => (long)i * 2).ToArray())),
            ("rating", Column.Of(Enumerable.Range(0, 1000).Select(i => i % 7 + 0.5).ToArray())));
    }

    [TearDown]
    public void TearDown() => Directory.Delete(_root, true);

    private ComputeOptions Limited(CancellationToken ct = default, params IComputeListener[] listeners)
        => new() { Scheduler = _s, MemoryLimit = FarBelowTheData, SpillDirectory = _root, CancellationToken = ct, Listeners = listeners };

    private ComputeOptions Unlimited => new() { Scheduler = _s };

    private string[] LeftOver() => Directory.GetFileSystemEntries(_root, "*", SearchOption.AllDirectories);

    // A step after the shuffle that counts the spill files present while it runs (in the process that ran it).
    private Frame WithSpillFilesSeen(Frame f)
    {
        string root = _root;
        var schema = new Schema(f.Schema.Fields.Append(new Field("spill_files_seen", ColumnType.Int64)));
        return f.MapPartitions(t =>
        {
            long files = Directory.EnumerateFiles(root, "*.spill", SearchOption.AllDirectories).LongCount();
            return new Table(schema, [.. t.Columns, Column.Of(Enumerable.Repeat(files, t.RowCount).ToArray())], t.RowCount);
        }, schema);
    }

    private static Table Without(Table t, string column) => t.Select(t.Schema.Names.Where(n => n != column).ToArray());

    [Test]
    public void HashMergeUnderALimitEqualsTheUnlimitedOneAndLinq()
    {
        var m = Frame.FromTable(_left, 7).Merge(Frame.FromTable(_right, 4), on: ["id"], broadcastMaxPartitions: 0);
        var limited = WithSpillFilesSeen(m).Compute(Limited());
        Assert.That(limited["spill_files_seen"].Int64s.Take(limited.RowCount).Min(), Is.EqualTo(11), "every split of both sides wrote its buckets to disk");
        var unlimited = m.Compute(Unlimited);
        Assert.That(Without(limited, "spill_files_seen").ContentEqualsUnordered(unlimited), Is.True);
        var ratings = Enumerable.Range(0, 1000).ToDictionary(i => (long)i * 2, i => i % 7 + 0.5);
        var ids = _left["id"].Int64s;
        var expected = Enumerable.Range(0, _left.RowCount).Where(r => ratings.ContainsKey(ids[r])).ToList();
        Assert.That(limited.RowCount, Is.EqualTo(expected.Count));
        Assert.That(limited["rating"].Doubles.Take(limited.RowCount).Sum(), Is.EqualTo(expected.Sum(r => ratings[ids[r]])).Within(1e-6));
        Assert.That(LeftOver(), Is.Empty);
    }

    [Test]
    public void GroupByWithSplitOutUnderALimitEqualsTheUnlimitedOneAndLinq()
    {
        var g = Frame.FromTable(_left, 6).GroupBy("vendor").SplitOut(3).Agg(Sum("fare"), Count("fare"));
        var limited = WithSpillFilesSeen(g).Compute(Limited());
        Assert.That(limited["spill_files_seen"].Int64s.Take(limited.RowCount).Min(), Is.EqualTo(6));
        Assert.That(Without(limited, "spill_files_seen").ContentEqualsUnordered(g.Compute(Unlimited)), Is.True);
        var vendors = Enumerable.Range(0, _left.RowCount).Where(r => _left[r, "vendor"] is not null)
            .GroupBy(r => (string)_left[r, "vendor"]!).ToDictionary(x => x.Key, x => (Sum: x.Sum(r => (double)_left[r, "fare"]!), Count: x.LongCount()));
        Assert.That(limited.RowCount, Is.EqualTo(vendors.Count));
        for (int r = 0; r < limited.RowCount; r++)
        {
            var (sum, count) = vendors[(string)limited[r, "vendor"]!];
            Assert.That((double)limited[r, "fare_sum"]!, Is.EqualTo(sum).Within(1e-6));
            Assert.That((long)limited[r, "fare_count"]!, Is.EqualTo(count));
        }
        Assert.That(LeftOver(), Is.Empty);
    }

    [Test]
    public void SortUnderALimitEqualsTheUnlimitedOneAndLinq()
    {
        var s = Frame.FromTable(_left, 5).SortBy(["fare", "id"], [true, false]);
        var limited = WithSpillFilesSeen(s).Compute(Limited());
        Assert.That(limited["spill_files_seen"].Int64s.Take(limited.RowCount).Min(), Is.EqualTo(5));
        Assert.That(Without(limited, "spill_files_seen").ContentEquals(s.Compute(Unlimited)), Is.True, "same rows in the same order");
        var expected = Enumerable.Range(0, _left.RowCount).OrderByDescending(r => (double)_left[r, "fare"]!).ThenBy(r => (long)_left[r, "id"]!)
            .Select(r => ((double)_left[r, "fare"]!, (long)_left[r, "id"]!));
        Assert.That(Enumerable.Range(0, limited.RowCount).Select(r => ((double)limited[r, "fare"]!, (long)limited[r, "id"]!)), Is.EqualTo(expected));
        Assert.That(LeftOver(), Is.Empty);
    }

    [Test]
    public void DropDuplicatesUnderALimitEqualsTheUnlimitedOneAndLinq()
    {
        var d = Frame.FromTable(_left.Select(["id", "vendor"]), 6).DropDuplicates("id");
        var limited = WithSpillFilesSeen(d).Compute(Limited());
        Assert.That(limited["spill_files_seen"].Int64s.Take(limited.RowCount).Min(), Is.EqualTo(6));
        Assert.That(Without(limited, "spill_files_seen").ContentEqualsUnordered(d.Compute(Unlimited)), Is.True);
        var ids = _left["id"].Int64s.Take(_left.RowCount).ToList();
        var firsts = ids.Select((id, r) => (id, r)).GroupBy(x => x.id).Select(x => x.First().r).ToHashSet();
        Assert.That(limited.RowCount, Is.EqualTo(firsts.Count));
        Assert.That(Without(limited, "spill_files_seen").ContentEqualsUnordered(_left.Select(["id", "vendor"]).Take(firsts.Order().ToArray(), firsts.Count)), Is.True, "the first row of each id");
        Assert.That(LeftOver(), Is.Empty);
    }

    [Test]
    public void SpillFilesAreRemovedWhenTheComputationFails()
    {
        var m = Frame.FromTable(_left, 7).Merge(Frame.FromTable(_right, 4), on: ["id"], broadcastMaxPartitions: 0)
            .MapPartitions(t => t.RowCount >= 0 ? throw new InvalidOperationException("boom after the shuffle") : t);
        var e = Assert.Catch(() => m.Compute(Limited()));
        Assert.That(e!.ToString(), Does.Contain("boom after the shuffle"));
        Assert.That(LeftOver(), Is.Empty);
    }

    [Test]
    public void SpillFilesAreRemovedWhenTheComputationIsCancelled()
    {
        using var cts = new CancellationTokenSource();
        var cancelOnSplit = new CancelAfterASpill(cts, _root);
        var m = Frame.FromTable(_left, 7).Merge(Frame.FromTable(_right, 4), on: ["id"], broadcastMaxPartitions: 0);
        Assert.Catch<OperationCanceledException>(() => m.Compute(Limited(cts.Token, cancelOnSplit)));
        Assert.That(cancelOnSplit.FilesSeen, Is.GreaterThan(0), "a split had spilled when the computation was cancelled");
        Assert.That(LeftOver(), Is.Empty);
    }

    [Test]
    public void NoSpillWithoutALimit()
    {
        var m = WithSpillFilesSeen(Frame.FromTable(_left, 7).Merge(Frame.FromTable(_right, 4), on: ["id"], broadcastMaxPartitions: 0));
        var t = m.Compute(new ComputeOptions { Scheduler = _s, SpillDirectory = _root });
        Assert.That(t["spill_files_seen"].Int64s.Take(t.RowCount).Max(), Is.Zero);
    }

    [Test]
    public void ALimitMustBePositive()
        => Assert.Throws<ArgumentOutOfRangeException>(() => _ = new ComputeOptions { MemoryLimit = 0 });

    /// <summary>Cancels the computation as soon as a split task has finished, counting the spill files on disk then.</summary>
    private sealed class CancelAfterASpill(CancellationTokenSource cts, string root) : IComputeListener
    {
        private long _files = -1;

        public long FilesSeen => Interlocked.Read(ref _files);

        public void OnTaskFinished(ExecutionPlan plan, int node, string worker, bool failed)
        {
            if (failed || !plan.FunctionOf(node).Contains("split") || Interlocked.Read(ref _files) >= 0) return;
            Interlocked.Exchange(ref _files, Directory.EnumerateFiles(root, "*.spill", SearchOption.AllDirectories).LongCount());
            cts.Cancel();
        }
    }
}
