namespace TaskGraph.Tests.Frames;

/// <summary>Concat, semi, anti and cross joins on every scheduler, checked against LINQ over the same rows.</summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class ConcatJoinSuite(string schedulerName)
{
    private IScheduler _s = null!;

    [SetUp]
    public void SetUp() => _s = SchedulerCases.Create(schedulerName);

    private sealed record Trip(long Id, string Vendor, double Fare);
    private sealed record Rider(long Id, string Name);
    private sealed record Extra(long Id, int Fare, bool Late);

    private static readonly Trip[] Trips = Enumerable.Range(0, 60).Select(i => new Trip(i % 45, $"V{i % 4}", i * 1.5)).ToArray();
    private static readonly Rider[] Riders = Enumerable.Range(0, 30).Select(i => new Rider(i * 3 % 50, $"r{i}")).ToArray();

    [Test]
    public void ConcatKeepsPartitionsInOrderAndAlignsColumnsByName()
    {
        var a = Frame.FromRecords(Trips, 3);
        var extras = Enumerable.Range(0, 7).Select(i => new Extra(100 + i, i * 10, i % 2 == 0)).ToArray();
        var b = Frame.FromRecords(extras, 2);
        var c = Frame.Concat(a, b);
        Assert.That(c.NPartitions, Is.EqualTo(5));
        // outer: columns in order of first appearance; Fare widens Int32 -> Double; Late missing for a's rows, Vendor for b's
        Assert.That(c.Schema.ToString(), Is.EqualTo("{Id: Int64, Vendor: String, Fare: Double, Late: Bool}"));
        var t = c.Compute(_s);
        var expected = Trips.Select(x => new object?[] { x.Id, x.Vendor, x.Fare, null })
            .Concat(extras.Select(x => new object?[] { x.Id, null, (double)x.Fare, x.Late })).ToList();
        Assert.That(t.Rows().ToList(), Is.EqualTo(expected));

        var inner = Frame.Concat([a, b], innerJoin: true);
        Assert.That(inner.Columns, Is.EqualTo(new[] { "Id", "Fare" }));
        Assert.That(inner.Compute(_s)["Fare"].Doubles.Take(67), Is.EqualTo(Trips.Select(x => x.Fare).Concat(extras.Select(x => (double)x.Fare))));
        // steps after the concat run per partition, and only needed columns are read
        var filtered = c.Filter(Expr.Col("Fare") > 30.0).Select("Id").Compute(_s);
        Assert.That(filtered["Id"].Int64s.Take(filtered.RowCount),
            Is.EqualTo(Trips.Where(x => x.Fare > 30).Select(x => x.Id).Concat(extras.Where(x => x.Fare > 30).Select(x => x.Id))));
    }

    [Test]
    public void ConcatOfMismatchedColumnTypesNamesTheColumn()
    {
        var a = Frame.FromTable(Table.Create(("id", Column.Of(new long[] { 1 })), ("when", Column.Of(new[] { "x" }))));
        var b = Frame.FromTable(Table.Create(("id", Column.Of(new long[] { 2 })), ("when", Column.Of(new[] { new DateOnly(2024, 1, 1) }))));
        var ex = Assert.Throws<InvalidOperationException>(() => Frame.Concat(a, b));
        Assert.That(ex!.Message, Does.Contain("'when'").And.Contain("String in frame 0").And.Contain("Date in frame 1"));
    }

    [TestCase(2)] // riders' 2 partitions broadcast
    [TestCase(0)] // both sides shuffled
    public void SemiAndAntiJoinKeepLeftRowsOnceInOrder(int broadcastMaxPartitions)
    {
        var trips = Frame.FromRecords(Trips, 4);
        var riders = Frame.FromRecords(Riders, 2);
        var ids = Riders.Select(r => r.Id).ToHashSet();
        var semi = trips.SemiJoin(riders, on: ["Id"], broadcastMaxPartitions: broadcastMaxPartitions);
        var anti = trips.AntiJoin(riders, on: ["Id"], broadcastMaxPartitions: broadcastMaxPartitions);
        Assert.That(semi.Columns, Is.EqualTo(new[] { "Id", "Vendor", "Fare" }));
        var expectedSemi = Trips.Where(t => ids.Contains(t.Id)).Select(t => Table.RowText([t.Id, t.Vendor, t.Fare])).ToList();
        var expectedAnti = Trips.Where(t => !ids.Contains(t.Id)).Select(t => Table.RowText([t.Id, t.Vendor, t.Fare])).ToList();
        var gotSemi = semi.Compute(_s).Rows().Select(Table.RowText).ToList();
        var gotAnti = anti.Compute(_s).Rows().Select(Table.RowText).ToList();
        if (broadcastMaxPartitions > 0)
        {
            Assert.That(semi.NPartitions, Is.EqualTo(4));
            Assert.That(gotSemi, Is.EqualTo(expectedSemi)); // broadcast: left order kept exactly
            Assert.That(gotAnti, Is.EqualTo(expectedAnti));
        }
        else
        {
            Assert.That(gotSemi, Is.EquivalentTo(expectedSemi)); // shuffled: the same rows, bucket by bucket
            Assert.That(gotAnti, Is.EquivalentTo(expectedAnti));
        }
        Assert.That(gotSemi.Count + gotAnti.Count, Is.EqualTo(Trips.Length));
    }

    [Test]
    public void SemiJoinOnDifferentNamesAndMissingKeysMatchLikeMerge()
    {
        var left = Frame.FromTable(Table.Create(("k", Column.Of(new long[] { 1, 2, 0, 3, 2 }, [true, true, false, true, true])), ("v", Column.Of(new[] { "a", "b", "c", "d", "e" }))), 2);
        var right = Frame.FromTable(Table.Create(("key", Column.Of(new long[] { 2, 0, 2 }, [true, false, true]))));
        var semi = left.SemiJoin(right, leftOn: ["k"], rightOn: ["key"]).Compute(_s);
        // the same rows an inner merge matches (missing matches missing), each once
        var merged = left.Merge(right, leftOn: ["k"], rightOn: ["key"]).Compute(_s).Rows().Select(r => (string)r[1]!).Distinct().ToList();
        Assert.That(semi["v"].Strings.Take(semi.RowCount), Is.EqualTo(new[] { "b", "c", "e" }));
        Assert.That(semi["v"].Strings.Take(semi.RowCount), Is.EquivalentTo(merged));
        var anti = left.AntiJoin(right, leftOn: ["k"], rightOn: ["key"]).Compute(_s);
        Assert.That(anti["v"].Strings.Take(anti.RowCount), Is.EqualTo(new[] { "a", "d" }));
        Assert.Throws<InvalidOperationException>(() => left.SemiJoin(Frame.FromTable(Table.Create(("k", Column.Of(new[] { "x" }))))));
    }

    [Test]
    public void CrossJoinPairsEveryRowWithEverySmallRow()
    {
        var trips = Frame.FromRecords(Trips.Take(11), 3);
        var sizes = Frame.FromTable(Table.Create(("Vendor", Column.Of(new[] { "S", "M", "L" })), ("mult", Column.Of(new[] { 1.0, 2.0, 3.0 }))), 2);
        var cross = trips.CrossJoin(sizes);
        Assert.That(cross.Columns, Is.EqualTo(new[] { "Id", "Vendor_x", "Fare", "Vendor_y", "mult" }));
        Assert.That(cross.NPartitions, Is.EqualTo(3));
        var t = cross.WithColumn("price", Expr.Col("Fare") * Expr.Col("mult")).Compute(_s);
        var expected = (from a in Trips.Take(11) from b in new[] { ("S", 1.0), ("M", 2.0), ("L", 3.0) }
                        select Table.RowText([a.Id, a.Vendor, a.Fare, b.Item1, b.Item2, a.Fare * b.Item2])).ToList();
        Assert.That(t.Rows().Select(Table.RowText).ToList(), Is.EqualTo(expected));
        Assert.That(cross.Select("mult").Count(_s), Is.EqualTo(33));
    }
}
