namespace TaskGraph.Tests.Frames;

/// <summary>NLargest and NSmallest on every scheduler, checked against LINQ's stable sort of the same rows.</summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class TopKSuite(string schedulerName)
{
    private IScheduler _s = null!;

    [SetUp]
    public void SetUp() => _s = SchedulerCases.Create(schedulerName);

    // 2,000 rows with many ties (score in 0..49), some missing scores and some NaN amounts
    private static Table Data()
    {
        var rng = new Random(7);
        int n = 2000;
        var id = Enumerable.Range(0, n).Select(i => (long)i).ToArray();
        var score = Enumerable.Range(0, n).Select(_ => (long)rng.Next(50)).ToArray();
        var scoreValid = Enumerable.Range(0, n).Select(i => i % 37 != 5).ToArray();
        var amount = Enumerable.Range(0, n).Select(i => i % 101 == 3 ? double.NaN : Math.Round(rng.NextDouble() * 100, 1)).ToArray();
        var when = Enumerable.Range(0, n).Select(_ => new DateTime(2024, 1, 1).AddMinutes(rng.Next(100_000))).ToArray();
        return Table.Create(("id", Column.Of(id)), ("score", Column.Of(score, scoreValid)), ("amount", Column.Of(amount)), ("when", Column.Of(when)));
    }

    private static long[] Ids(Table t) => t["id"].Int64s.Take(t.RowCount).ToArray();

    [TestCase(10)]
    [TestCase(1)]
    [TestCase(0)]
    [TestCase(2500)]
    public void NLargestAndNSmallestOfOneColumnMatchAStableSort(int n)
    {
        var table = Data();
        var f = Frame.FromTable(table, 7);
        var rows = Enumerable.Range(0, table.RowCount).Where(r => !double.IsNaN(table["amount"].Doubles[r])).ToList();
        var largest = rows.OrderByDescending(r => table["amount"].Doubles[r]).Take(n).Select(r => (long)r);
        var smallest = rows.OrderBy(r => table["amount"].Doubles[r]).Take(n).Select(r => (long)r);
        Assert.That(Ids(f.NLargest(n, "amount").Compute(_s)), Is.EqualTo(largest));
        Assert.That(Ids(f.NSmallest(n, "amount").Compute(_s)), Is.EqualTo(smallest));
        var whenLargest = Enumerable.Range(0, table.RowCount).OrderByDescending(r => table["when"].Int64s[r]).Take(n).Select(r => (long)r);
        Assert.That(Ids(f.NLargest(n, "when").Compute(_s)), Is.EqualTo(whenLargest));
    }

    [Test]
    public void TiesKeepTheEarlierRowAndMissingKeysAreSkippedAcrossATree()
    {
        var table = Data();
        // 20 partitions and splitEvery 3: the partials go through two combine levels
        var f = Frame.FromTable(table, 20);
        var present = Enumerable.Range(0, table.RowCount).Where(r => table["score"].IsValid(r)).ToList();
        long S(int r) => table["score"].Int64s[r];
        double A(int r) => table["amount"].Doubles[r];
        var byScore = present.OrderByDescending(S).Take(25).Select(r => (long)r);
        Assert.That(Ids(f.NLargest(25, ["score"], splitEvery: 3).Compute(_s)), Is.EqualTo(byScore));
        // two columns: score descending, ties by amount descending, rows with a missing or NaN key skipped
        var both = present.Where(r => !double.IsNaN(A(r))).OrderByDescending(S).ThenByDescending(A).Take(40).Select(r => (long)r);
        Assert.That(Ids(f.NLargest(40, ["score", "amount"], splitEvery: 3).Compute(_s)), Is.EqualTo(both));
        var low = present.Where(r => !double.IsNaN(A(r))).OrderBy(S).ThenBy(A).Take(40).Select(r => (long)r);
        Assert.That(Ids(f.NSmallest(40, ["score", "amount"], splitEvery: 3).Compute(_s)), Is.EqualTo(low));
    }

    [Test]
    public void StepsAfterTheTopKRunOnItsResultAndStringsAreRefused()
    {
        var table = Data();
        var f = Frame.FromTable(table, 4);
        var top = f.Filter(Expr.Col("amount") < 50.0).NLargest(5, "amount").Select("id", "amount").Compute(_s);
        var expected = Enumerable.Range(0, table.RowCount).Where(r => table["amount"].Doubles[r] < 50).OrderByDescending(r => table["amount"].Doubles[r]).Take(5);
        Assert.That(top.Columns.Count, Is.EqualTo(2));
        Assert.That(Ids(top), Is.EqualTo(expected.Select(r => (long)r)));
        var words = Frame.FromTable(Table.Create(("w", Column.Of(new[] { "a", "b" }))));
        var ex = Assert.Throws<InvalidOperationException>(() => words.NLargest(1, "w"));
        Assert.That(ex!.Message, Does.Contain("'w'").And.Contain("String"));
    }
}
