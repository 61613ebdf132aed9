using TaskGraph.Tests.Keys;
using static TaskGraph.Frames.Agg;
using static TaskGraph.Frames.Expr;

namespace TaskGraph.Tests.Frames;

/// <summary>
/// What a frame knows about its index and categories, without computing: which steps keep divisions and categories,
/// the errors naming the culprit, and the keys (every division, bound, category and aggregation is in them).
/// </summary>
public class DivisionsPlanTests
{
    private static readonly object[] EightDivisions = [0L, 125L, 250L, 375L, 500L, 625L, 750L, 875L, 999L];

    // SortedRows in 8 partitions with the divisions declared (nothing computed)
    private static Frame Sorted(object[]? divisions = null)
        => Frame.FromTable(DivisionsSuite.SortedRows(), 8).WithColumn("label", Col("key").Cast(ColumnType.String)).SetIndex("key", sorted: true, divisions: divisions ?? EightDivisions);

    [Test]
    public void DivisionsSurviveFiltersAndProjectionsKeepingTheIndexAndNothingElse()
    {
        var f = Sorted();
        Assert.That(f.Divisions, Is.EqualTo(EightDivisions));
        Assert.That(f.Filter(Col("value") > 3.0).Divisions, Is.EqualTo(EightDivisions));
        Assert.That(f.Select("key", "value").KnownDivisions, Is.True);
        Assert.That(f.WithColumn("double", Col("value") * 2).KnownDivisions, Is.True);
        Assert.That(f.Rename("key", "k").Index, Is.EqualTo("k"));
        Assert.That(f.Rename("key", "k").Divisions, Is.EqualTo(EightDivisions));
        Assert.That(f.Select(Col("key").As("id"), Col("value")).Index, Is.EqualTo("id"));
        (string Step, Frame Frame)[] dropped =
        [
            ("projection without the index", f.Select("value")),
            ("index column recomputed", f.WithColumn("key", Col("key") + 1L)),
            ("map partitions", f.MapPartitions(t => t)),
            ("sort", f.SortBy("value")),
            ("repartition", f.Repartition(3)),
            ("merge", f.Merge(f, on: ["key"])),
            ("concat", Frame.Concat(f, f)),
            ("group-by", f.GroupBy("key").Agg(Sum("value"))),
            ("drop duplicates", f.DropDuplicates("key")),
        ];
        foreach (var (step, frame) in dropped)
        {
            Assert.That(frame.KnownDivisions, Is.False, step);
            Assert.That(frame.Index, Is.Null, step);
            Assert.That(frame.Divisions, Is.Null, step);
        }
        // a pruned frame keeps the divisions of the partitions it kept
        Assert.That(f.Loc(300L, 420L).Divisions, Is.EqualTo(new object[] { 250L, 375L, 500L }));
    }

    [Test]
    public void BadIndexInputIsRefusedNamingTheCulprit()
    {
        var plain = Frame.FromTable(DivisionsSuite.SortedRows(), 8);
        Assert.That(Assert.Throws<InvalidOperationException>(() => plain.Loc(1L, 2L))!.Message, Does.Contain("Loc needs an index"));
        Assert.That(Assert.Throws<KeyNotFoundException>(() => plain.SetIndex("nope", new object[] { 0L, 1L }))!.Message, Does.Contain("'nope'"));
        var wrongCount = Assert.Throws<ArgumentException>(() => plain.SetIndex("key", sorted: true, divisions: [0L, 999L]));
        Assert.That(wrongCount!.Message, Does.Contain("8 partitions needs 9 divisions for index 'key', 2 given"));
        var decreasing = Assert.Throws<ArgumentException>(() => plain.SetIndex("key", new object[] { 0L, 50L, 10L }));
        Assert.That(decreasing!.Message, Does.Contain("division 2 (10) is below division 1 (50)"));
        var wrongType = Assert.Throws<ArgumentException>(() => Sorted().Loc("abc"));
        Assert.That(wrongType!.Message, Does.Contain("\"abc\"").And.Contain("index column 'key', which is Int64"));
        var lossy = Assert.Throws<ArgumentException>(() => plain.SetIndex("key", new object[] { 0L, 2.5 }));
        Assert.That(lossy!.Message, Does.Contain("Division 1"));
    }

    [Test]
    public void BadPivotInputIsRefusedNamingTheCulprit()
    {
        var f = Sorted();
        var unknown = Assert.Throws<InvalidOperationException>(() => f.PivotTable("key", "label", "value"));
        Assert.That(unknown!.Message, Does.Contain("known categories for column 'label'").And.Contain("Categorize(\"label\")"));
        Assert.That(Assert.Throws<KeyNotFoundException>(() => f.PivotTable("key", "colour", "value"))!.Message, Does.Contain("'colour'"));
        var cat = f.Select("key", "value", "label").Filter(Col("key") < 3L).Categorize(["label"], Scheduler.Synchronous);
        Assert.That(Assert.Throws<ArgumentException>(() => cat.PivotTable("key", "label", "value", AggKind.Std))!.Message, Does.Contain("not Std"));
        var numeric = Assert.Throws<InvalidOperationException>(() => f.Categorize(["value"], Scheduler.Synchronous));
        Assert.That(numeric!.Message, Does.Contain("'value' is Double"));
        // categories are dropped with the other facts by a step that may change values
        Assert.That(cat.MapPartitions(t => t).KnownCategories("label"), Is.Null);
        Assert.That(cat.KnownCategories("label"), Is.EqualTo(new[] { "0", "1", "2" }));
    }

    // a random comparison of the index with a constant (Int64, Int32 or Double, on either side), a comparison of
    // another column, or an and / or of two random predicates
    private static Expr RandomPredicate(Random rng, int depth)
    {
        int pick = rng.Next(10);
        if (depth > 0 && pick < 3)
        {
            var (a, b) = (RandomPredicate(rng, depth - 1), RandomPredicate(rng, depth - 1));
            return rng.Next(2) == 0 ? a & b : a | b;
        }
        if (pick == 3) return Col("value") > rng.NextDouble();
        int c = rng.Next(-110, 111);
        Expr constant = rng.Next(3) switch { 0 => Lit((long)c), 1 => Lit(c), _ => Lit(c + 0.5) };
        var (l, r) = rng.Next(2) == 0 ? (Col("key"), constant) : (constant, Col("key"));
        return rng.Next(5) switch { 0 => l < r, 1 => l <= r, 2 => l == r, 3 => l > r, _ => l >= r };
    }

    private static List<string> RowTexts(Table t) => t.Rows().Select(Table.RowText).Order(StringComparer.Ordinal).ToList();

    [Test]
    public void PruningNeverChangesTheRowsAFilterKeeps([Values(1, 2, 3)] int seed)
    {
        var rng = new Random(seed);
        int n = 1500;
        var table = Table.Create(("key", Column.Of(Enumerable.Range(0, n).Select(_ => (long)rng.Next(-100, 101)).ToArray(), Enumerable.Range(0, n).Select(i => i % 37 != 0).ToArray())),
            ("value", Column.Of(Enumerable.Range(0, n).Select(_ => rng.NextDouble()).ToArray())));
        var sync = Scheduler.Synchronous;
        var plain = Frame.FromTable(table, 9);
        var sortedByIndex = plain.SetIndex("key", sync);                   // half-open ranges from the sort
        var declared = Frame.FromTable(sortedByIndex.Compute(sync), 6)      // inclusive ranges; equal keys span partitions
            .SetIndex("key", sorted: true, scheduler: sync);
        int pruned = 0;
        for (int round = 0; round < 40; round++)
        {
            var predicate = RandomPredicate(rng, 2);
            var expected = RowTexts(plain.Filter(predicate).Compute(sync));
            foreach (var f in new[] { sortedByIndex, declared })
            {
                var filtered = f.Filter(predicate);
                pruned += f.NPartitions - filtered.NPartitions;
                Assert.That(RowTexts(filtered.Compute(sync)), Is.EqualTo(expected), $"round {round}: {predicate}");
            }
        }
        Assert.That(pruned, Is.GreaterThan(0), "some predicates pruned partitions");
    }

    [Test]
    public void AMergeOfIndexedFramesKeepsTheRowsOfAHashMerge([Values(1, 2)] int seed)
    {
        var rng = new Random(seed);
        Table Side(int rows, string value, int span) => Table.Create(
            ("key", Column.Of(Enumerable.Range(0, rows).Select(_ => (long)rng.Next(-span, span + 1)).ToArray(), Enumerable.Range(0, rows).Select(i => i % 29 != 3).ToArray())),
            (value, Column.Of(Enumerable.Range(0, rows).Select(i => (long)i).ToArray())));
        var sync = Scheduler.Synchronous;
        var (left, right) = (Side(700, "a", 120), Side(300, "b", 160)); // the right's keys reach beyond the left's
        var (pl, pr) = (Frame.FromTable(left, 5), Frame.FromTable(right, 3));
        object[] same = [-160L, -60L, 0L, 60L, 160L];
        var gaps = (Col("key") < -50L) | (Col("key") > 50L);
        (string Case, Frame Left, Frame Right, Frame PlainLeft, bool NothingMoves)[] cases =
        [
            ("equal divisions", pl.SetIndex("key", same), pr.SetIndex("key", same), pl, true),
            ("sorted left, declared right", pl.SetIndex("key", sync), Frame.FromTable(pr.SetIndex("key", sync).Compute(sync), 2).SetIndex("key", sorted: true, scheduler: sync), pl, false),
            ("both sorted, other divisions", pl.SetIndex("key", sync), pr.SetIndex("key", sync), pl, false),
            ("pruned left with a gap", pl.SetIndex("key", sync).Filter(gaps), pr.SetIndex("key", sync), pl.Filter(gaps), false),
        ];
        foreach (var (name, l, r, plainLeft, nothingMoves) in cases)
            foreach (var how in new[] { JoinType.Inner, JoinType.Left, JoinType.Right, JoinType.Outer })
            {
                var indexed = l.Merge(r, on: ["key"], how: how);
                var stages = DivisionsSuite.StagesIn(indexed);
                Assert.That(stages, Does.Contain("join-aligned").And.None.StartsWith("shuffle-split"), $"{name}, {how}");
                if (nothingMoves) Assert.That(stages.Count(x => x == "index-split"), Is.EqualTo(pl.NPartitions + pr.NPartitions), $"{name}, {how}: only the two SetIndex sorts");
                var expected = RowTexts(plainLeft.Merge(pr, on: ["key"], how: how, broadcastMaxPartitions: 0).Compute(sync));
                Assert.That(RowTexts(indexed.Compute(sync)), Is.EqualTo(expected), $"{name}, {how}");
            }
    }

    private static TaskKey K(Frame f) => f.ToDelayed().Key;

    [Test]
    public void EveryDivisionBoundCategoryAndAggregationIsInTheKey()
    {
        var f = Sorted();
        var shifted = Sorted([0L, 125L, 250L, 375L, 500L, 625L, 750L, 876L, 999L]);
        var plain = Frame.FromTable(DivisionsSuite.SortedRows(), 8);
        var cat = f.Filter(Col("key") < 3L).Categorize(["label"], Scheduler.Synchronous);
        KeyAssert.AllDistinct(
            ("set index 0|100|999", K(plain.SetIndex("key", new object[] { 0L, 100L, 999L }))),
            ("set index 0|200|999", K(plain.SetIndex("key", new object[] { 0L, 200L, 999L }))),
            ("set index 0|100|1000", K(plain.SetIndex("key", new object[] { 0L, 100L, 1000L }))),
            ("set index by value", K(plain.SetIndex("value", new object[] { 0.0, 100.0, 999.0 }))),
            ("loc 300..420", K(f.Loc(300L, 420L))),
            ("loc 300..421", K(f.Loc(300L, 421L))),
            ("loc 299..420", K(f.Loc(299L, 420L))),
            ("loc ..420", K(f.Loc(null, 420L))),
            ("loc 300", K(f.Loc(300L))),
            ("loc 301", K(f.Loc(301L))),
            // the same rows under other declared divisions: a node reading the frame sees them
            ("group-by under divisions", K(f.GroupBy("label").Agg(Sum("value")))),
            ("group-by under other divisions", K(shifted.GroupBy("label").Agg(Sum("value")))),
            ("pivot sum", K(cat.PivotTable("key", "label", "value", AggKind.Sum))),
            ("pivot mean", K(cat.PivotTable("key", "label", "value", AggKind.Mean))),
            ("pivot count", K(cat.PivotTable("key", "label", "value", AggKind.Count))),
            ("pivot sum of key", K(cat.WithColumn("k2", Col("key")).PivotTable("k2", "label", "key", AggKind.Sum))));
        // categories are fields of the coding step: other categories, another token
        var a = ValueTokenizer.TryTokenize(new CategorizeOp(["label"], [["a", "b"]]));
        var b = ValueTokenizer.TryTokenize(new CategorizeOp(["label"], [["a", "c"]]));
        Assert.That(a, Is.Not.Null);
        Assert.That(a, Is.Not.EqualTo(b));
    }

    [Test]
    public void TheSameIndexedPlanBuiltTwiceGivesTheSameKeys()
    {
        var plain = Frame.FromTable(DivisionsSuite.SortedRows(), 8);
        KeyAssert.SameTwice(
            ("set index with divisions", () => K(plain.SetIndex("key", new object[] { 0L, 100L, 999L }))),
            ("sorted and loc", () => K(Sorted().Loc(300L, 420L))),
            ("filter on the index", () => K(Sorted().Filter(Col("key") > 500L))),
            ("categorize and pivot", () => K(Sorted().Filter(Col("key") < 3L).Categorize(["label"], Scheduler.Synchronous).PivotTable("key", "label", "value", AggKind.Max))));
    }
}
