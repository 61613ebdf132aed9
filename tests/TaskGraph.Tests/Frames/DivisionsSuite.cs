using static TaskGraph.Frames.Expr;

namespace TaskGraph.Tests.Frames;

/// <summary>
/// Sorted frames with known divisions on every scheduler: <c>SetIndex</c> sorts and bounds every partition,
/// <c>Loc</c> and filters on the index read only the partitions that can match (counted in the graph, not timed),
/// results equal LINQ over the same rows.
/// </summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class DivisionsSuite(string schedulerName) : TempFileTests
{
    private IScheduler _s = null!;

    [SetUp]
    public void SetUp() => _s = SchedulerCases.Create(schedulerName);

    // 3,000 rows in random order: keys 0..999 with ties, every 50th key missing, a value and a label
    internal static Table Shuffled(int n = 3000, int seed = 11)
    {
        var rng = new Random(seed);
        var key = Enumerable.Range(0, n).Select(_ => (long)rng.Next(1000)).ToArray();
        var valid = Enumerable.Range(0, n).Select(i => i % 50 != 7).ToArray();
        var value = Enumerable.Range(0, n).Select(i => (double)i).ToArray();
        var label = Enumerable.Range(0, n).Select(_ => new[] { "red", "green", "blue" }[rng.Next(3)]).ToArray();
        return Table.Create(("key", Column.Of(key, valid)), ("value", Column.Of(value)), ("label", Column.Of(label)));
    }

    // 2,000 rows sorted by key (0, 0, 1, 1, ...), split into 8 partitions: a frame already sorted, as a sorted CSV is
    internal static Table SortedRows(int n = 2000)
        => Table.Create(("key", Column.Of(Enumerable.Range(0, n).Select(i => (long)(i / 2)).ToArray())), ("value", Column.Of(Enumerable.Range(0, n).Select(i => i * 0.5).ToArray())));

    /// <summary>The keys of the source partitions a frame's graph reads (source tasks named <paramref name="stage"/>).</summary>
    internal static int[] PartitionsRead(Frame f, string stage)
    {
        var seen = new HashSet<TaskKey>();
        var stack = new Stack<TaskSpec>([f.ToDelayed().Spec]);
        var read = new SortedSet<int>();
        while (stack.Count > 0)
        {
            var spec = stack.Pop();
            if (!seen.Add(spec.Key)) continue;
            if (spec.Key.Name == stage) read.Add(spec.Key.Index);
            foreach (var d in spec.Dependencies) stack.Push(d);
        }
        return read.ToArray();
    }

    private static double[] Values(Table t) => t["value"].Doubles.Take(t.RowCount).ToArray();

    private static long?[] Keys(Table t) => Enumerable.Range(0, t.RowCount).Select(r => (long?)t[r, "key"]).ToArray();

    [Test]
    public void SetIndexSortsGloballyAndEveryPartitionLiesInItsDivisions()
    {
        var table = Shuffled();
        var f = Frame.FromTable(table, 6).SetIndex("key", _s);
        Assert.That(f.Index, Is.EqualTo("key"));
        Assert.That(f.KnownDivisions, Is.True);
        var d = f.Divisions!.Cast<long>().ToArray();
        Assert.That(d, Has.Length.EqualTo(f.NPartitions + 1));
        Assert.That(f.NPartitions, Is.InRange(2, 6));
        Assert.That(d, Is.Ordered);
        var present = Enumerable.Range(0, table.RowCount).Where(r => table["key"].IsValid(r)).Select(r => table["key"].Int64s[r]).ToList();
        Assert.That(d[0], Is.EqualTo(present.Min()));
        Assert.That(d[^1], Is.EqualTo(present.Max()));
        var parts = Delayed.Compute(f.ToDelayedPartitions(), new ComputeOptions { Scheduler = _s });
        for (int i = 0; i < parts.Length; i++)
        {
            var keys = Keys(parts[i]).Where(k => k.HasValue).Select(k => k!.Value).ToArray();
            Assert.That(keys, Is.Ordered, $"partition {i}");
            bool last = i == parts.Length - 1;
            Assert.That(keys.All(k => k >= d[i] && (last ? k <= d[i + 1] : k < d[i + 1])), Is.True, $"partition {i} outside [{d[i]}, {d[i + 1]})");
            if (!last) Assert.That(parts[i]["key"].NullCount, Is.Zero, "missing keys go to the last partition");
        }
        // the whole frame is LINQ's stable sort, missing keys last
        var expected = Enumerable.Range(0, table.RowCount).OrderBy(r => table["key"].IsValid(r) ? 0 : 1).ThenBy(r => table["key"].IsValid(r) ? table["key"].Int64s[r] : 0)
            .Select(r => (double)r);
        var all = f.Compute(_s);
        Assert.That(all["value"].Doubles.Take(all.RowCount), Is.EqualTo(expected));
    }

    [Test]
    public void SetIndexWithGivenDivisionsPartitionsByThemAndRefusesAKeyOutside()
    {
        var table = Shuffled();
        var f = Frame.FromTable(table, 4).Filter(Col("key").IsNotNull()).SetIndex("key", new object[] { 0, 100, 500, 999 });
        Assert.That(f.NPartitions, Is.EqualTo(3));
        Assert.That(f.Divisions, Is.EqualTo(new object[] { 0L, 100L, 500L, 999L }));
        var parts = Delayed.Compute(f.ToDelayedPartitions(), new ComputeOptions { Scheduler = _s });
        var keys = Enumerable.Range(0, table.RowCount).Where(r => table["key"].IsValid(r)).Select(r => table["key"].Int64s[r]).ToList();
        Assert.That(Keys(parts[0]), Is.EqualTo(keys.Where(k => k < 100).Order().Select(k => (long?)k)));
        Assert.That(Keys(parts[1]), Is.EqualTo(keys.Where(k => k is >= 100 and < 500).Order().Select(k => (long?)k)));
        Assert.That(Keys(parts[2]), Is.EqualTo(keys.Where(k => k >= 500).Order().Select(k => (long?)k)));
        var narrow = Frame.FromTable(table, 4).SetIndex("key", new object[] { 0L, 10L });
        var ex = Assert.Catch(() => narrow.Compute(_s));
        Assert.That(Flatten(ex!), Does.Contain("'key'").And.Contain("outside the divisions [0, 10]"));
    }

    private static string Flatten(Exception e) => e.InnerException is null ? e.Message : e.Message + " | " + Flatten(e.InnerException);

    [Test]
    public void SortedFramesGetTheirRangesWithoutMovingRowsAndUnsortedOnesAreRefused()
    {
        var table = SortedRows();
        var f = Frame.FromTable(table, 8).SetIndex("key", sorted: true, scheduler: _s);
        // each partition's smallest key, then the last one's largest (Dask's compute_divisions)
        var expected = Enumerable.Range(0, 8).Select(p => (object)(long)(table.RowCount * p / 8 / 2)).Append(999L);
        Assert.That(f.Divisions, Is.EqualTo(expected));
        Assert.That(f.Compute(_s).ContentEquals(table), Is.True);
        var shuffled = Frame.FromTable(Shuffled(), 3);
        var inside = Assert.Throws<InvalidOperationException>(() => shuffled.SetIndex("key", sorted: true, scheduler: _s));
        Assert.That(inside!.Message, Does.Contain("Partition 0 is not sorted by 'key'"));
        var reversed = Frame.FromPartitions([table.Slice(1000, 1000), table.Slice(0, 1000)]);
        var across = Assert.Throws<InvalidOperationException>(() => reversed.SetIndex("key", sorted: true, scheduler: _s));
        Assert.That(across!.Message, Does.Contain("partition 1 starts at 0, below the largest key of partition 0 (999)"));
    }

    [Test]
    public void LocReadsOnlyThePartitionsWhoseRangeCanMatch()
    {
        var table = SortedRows();
        var source = Frame.FromTable(table, 8);
        var f = source.SetIndex("key", sorted: true, scheduler: _s); // partition p holds keys 125p .. 125p + 124
        var range = f.Loc(300L, 420L);
        Assert.That(PartitionsRead(range, "from-table"), Is.EqualTo(new[] { 2, 3 }));
        Assert.That(range.NPartitions, Is.EqualTo(2));
        var rows = Enumerable.Range(0, table.RowCount).Where(r => table["key"].Int64s[r] is >= 300 and <= 420).ToList();
        Assert.That(Values(range.Compute(_s)), Is.EqualTo(rows.Select(r => r * 0.5)));
        var one = f.Loc(625);
        Assert.That(PartitionsRead(one, "from-table"), Is.EqualTo(new[] { 5 }));
        Assert.That(Values(one.Compute(_s)), Is.EqualTo(new[] { 625.0, 625.5 }));
        // open bounds, and a key no partition holds (one empty partition, no source read)
        Assert.That(PartitionsRead(f.Loc(null, 130L), "from-table"), Is.EqualTo(new[] { 0, 1 }));
        Assert.That(PartitionsRead(f.Loc(990L, null), "from-table"), Is.EqualTo(new[] { 7 }));
        var none = f.Loc(5000L);
        Assert.That(PartitionsRead(none, "from-table"), Is.Empty);
        Assert.That(none.Compute(_s).RowCount, Is.Zero);
        // the whole frame reads all eight
        Assert.That(PartitionsRead(f, "from-table"), Has.Length.EqualTo(8));
    }

    [Test]
    public void FiltersComparingTheIndexWithConstantsPruneAndOthersDoNot()
    {
        var table = SortedRows();
        var f = Frame.FromTable(table, 8).SetIndex("key", sorted: true, scheduler: _s);
        long K(int r) => table["key"].Int64s[r];
        double V(int r) => table["value"].Doubles[r];
        (Expr Predicate, int[] Read, Func<int, bool> Rows)[] cases =
        [
            (Col("key") < 250L, new[] { 0, 1 }, r => K(r) < 250),
            (Col("key") > 874, new[] { 7 }, r => K(r) > 874),                       // an Int32 constant against an Int64 index
            (Col("key") >= 874.5, new[] { 7 }, r => K(r) >= 874.5),                // a Double constant
            (Lit(100L) >= Col("key"), new[] { 0 }, r => 100 >= K(r)),              // the constant on the left
            ((Col("key") < 10L) | (Col("key") > 990L), new[] { 0, 7 }, r => K(r) < 10 || K(r) > 990),
            ((Col("key") >= 400L) & (Col("value") > 0.0) & (Col("key") <= 500L), new[] { 3, 4 }, r => K(r) >= 400 && V(r) > 0 && K(r) <= 500),
            (Col("value") < 100.0, new[] { 0, 1, 2, 3, 4, 5, 6, 7 }, r => V(r) < 100),     // not the index: every partition
            (Col("key") != 5L, new[] { 0, 1, 2, 3, 4, 5, 6, 7 }, r => K(r) != 5),
        ];
        foreach (var (predicate, read, rows) in cases)
        {
            var filtered = f.Filter(predicate);
            Assert.That(PartitionsRead(filtered, "from-table"), Is.EqualTo(read), predicate.ToString());
            var expected = Enumerable.Range(0, table.RowCount).Where(rows).Select(V);
            Assert.That(Values(filtered.Compute(_s)), Is.EqualTo(expected), predicate.ToString());
            Assert.That(filtered.KnownDivisions, Is.True, "a filter keeps the divisions");
        }
    }

    [Test]
    public void ACsvSortedByDateIsPrunedByBlock()
    {
        var start = new DateOnly(2024, 1, 1);
        var lines = Enumerable.Range(0, 400).Select(i => $"{start.AddDays(i / 4):yyyy-MM-dd},{i}");
        var path = Write("days.csv", "day,n\n" + string.Join("\n", lines) + "\n");
        var f = Frame.ReadCsv(path, blockSize: 1024);
        Assert.That(f.NPartitions, Is.GreaterThan(4));
        var byDay = f.SetIndex("day", sorted: true, scheduler: _s);
        var march = byDay.Loc(new DateOnly(2024, 3, 1), new DateOnly(2024, 3, 3));
        var read = PartitionsRead(march, "read-csv");
        Assert.That(read.Length, Is.LessThanOrEqualTo(2));
        Assert.That(read.Length, Is.LessThan(f.NPartitions));
        var expected = Enumerable.Range(0, 400).Where(i => start.AddDays(i / 4) is var d && d >= new DateOnly(2024, 3, 1) && d <= new DateOnly(2024, 3, 3)).Select(i => (long)i);
        var got = march.Compute(_s);
        Assert.That(Enumerable.Range(0, got.RowCount).Select(r => Convert.ToInt64(got[r, "n"])), Is.EqualTo(expected));
    }

    // left: 600 rows, keys 0..299 in random order; right: one row per key, keys spaced by `step` from `first`
    private static (Table Left, Table Right) JoinSides(long first, long step, int rightRows)
    {
        var rng = new Random(3);
        var left = Table.Create(("key", Column.Of(Enumerable.Range(0, 600).Select(_ => (long)rng.Next(300)).ToArray())),
            ("a", Column.Of(Enumerable.Range(0, 600).Select(i => (double)i).ToArray())));
        var right = Table.Create(("key", Column.Of(Enumerable.Range(0, rightRows).Select(i => first + i * step).ToArray())),
            ("b", Column.Of(Enumerable.Range(0, rightRows).Select(i => (long)i).ToArray())));
        return (left, right);
    }

    // LINQ's join of the two tables as sorted row texts (key, a, b), missing on the side without a match
    private static List<string> ExpectedJoin(Table left, Table right, JoinType how)
    {
        var l = Enumerable.Range(0, left.RowCount).Select(r => (Key: (long)left[r, "key"]!, A: (double)left[r, "a"]!)).ToList();
        var rr = Enumerable.Range(0, right.RowCount).Select(r => (Key: (long)right[r, "key"]!, B: (long)right[r, "b"]!)).ToList();
        var rows = l.SelectMany(x => rr.Where(y => y.Key == x.Key).Select(y => new object?[] { x.Key, x.A, y.B })).ToList();
        if (how is JoinType.Left or JoinType.Outer) rows.AddRange(l.Where(x => rr.All(y => y.Key != x.Key)).Select(x => new object?[] { x.Key, x.A, null }));
        if (how is JoinType.Outer) rows.AddRange(rr.Where(y => l.All(x => x.Key != y.Key)).Select(y => new object?[] { y.Key, null, y.B }));
        return rows.Select(Table.RowText).Order(StringComparer.Ordinal).ToList();
    }

    private static List<string> RowTexts(Table t) => t.Rows().Select(Table.RowText).Order(StringComparer.Ordinal).ToList();

    internal static string[] StagesIn(Frame f)
    {
        var seen = new HashSet<TaskKey>();
        var stack = new Stack<TaskSpec>([f.ToDelayed().Spec]);
        var names = new List<string>();
        while (stack.Count > 0)
        {
            var spec = stack.Pop();
            if (!seen.Add(spec.Key)) continue;
            names.Add(spec.Key.Name);
            foreach (var d in spec.Dependencies) stack.Push(d);
        }
        return names.ToArray();
    }

    [Test]
    public void FramesIndexedOnTheKeyWithEqualDivisionsJoinPartitionByPartition()
    {
        var (left, right) = JoinSides(0, 3, 100); // right keys 0, 3, ..., 297
        object[] divisions = [0L, 100L, 200L, 299L];
        var l = Frame.FromTable(left, 4).SetIndex("key", divisions);
        var r = Frame.FromTable(right, 2).SetIndex("key", divisions);
        foreach (var how in new[] { JoinType.Inner, JoinType.Left, JoinType.Outer })
        {
            var joined = l.Merge(r, on: ["key"], how: how);
            var stages = StagesIn(joined);
            Assert.That(stages.Count(n => n == "join-aligned"), Is.EqualTo(3), $"{how}: one join per partition");
            Assert.That(stages, Has.None.StartsWith("shuffle-split").And.None.EqualTo("join-bucket").And.None.EqualTo("join-index"), $"{how}: no shuffle, no broadcast");
            Assert.That(RowTexts(joined.Compute(_s)), Is.EqualTo(ExpectedJoin(left, right, how)), how.ToString());
        }
    }

    [Test]
    public void AFrameWithOtherDivisionsIsSortedIntoTheIndexedSidesDivisions()
    {
        var (left, right) = JoinSides(-50, 2, 200); // right keys -50, -48, ..., 348: some below and above the left's
        var l = Frame.FromTable(left, 4).SetIndex("key", _s);
        var r = Frame.FromTable(right, 2).SetIndex("key", sorted: true, scheduler: _s);
        foreach (var how in new[] { JoinType.Inner, JoinType.Left, JoinType.Right, JoinType.Outer })
        {
            var joined = l.Merge(r, on: ["key"], how: how);
            var stages = StagesIn(joined);
            Assert.That(stages.Count(n => n == "join-aligned"), Is.EqualTo(l.NPartitions), how.ToString());
            Assert.That(stages, Has.None.StartsWith("shuffle-split"), $"{how}: only the right side moves (sorted into the left's divisions)");
            var expected = ExpectedJoin(left, right, how is JoinType.Right ? JoinType.Outer : how);
            if (how is JoinType.Right) // the right's rows, matched or not
                expected = expected.Where(t => !t.EndsWith("|∅")).ToList();
            Assert.That(RowTexts(joined.Compute(_s)), Is.EqualTo(expected), how.ToString());
        }
    }

    [Test]
    public void APersistedIndexedFrameKeepsItsDivisionsAndLocReadsOnlyItsPartitions()
    {
        var table = Shuffled();
        var f = Frame.FromTable(table, 5).SetIndex("key", _s);
        using var kept = f.Persist(_s);
        var persisted = kept.Value;
        Assert.That(persisted.Divisions, Is.EqualTo(f.Divisions));
        var d = f.Divisions!.Cast<long>().ToArray();
        var inFirst = persisted.Loc(d[0], d[1] - 1);
        Assert.That(inFirst.NPartitions, Is.EqualTo(1));
        var expected = Enumerable.Range(0, table.RowCount).Where(r => table["key"].IsValid(r) && table["key"].Int64s[r] < d[1]).Select(r => table["key"].Int64s[r]).Order();
        Assert.That(Keys(inFirst.Compute(_s)), Is.EqualTo(expected.Select(k => (long?)k)));
    }
}
