namespace TaskGraph.Tests.Bags;

/// <summary>A bag of records becomes a frame (Dask's <c>to_dataframe</c>), on every scheduler.</summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class BagToFrameTests(string schedulerName)
{
    public sealed record Word(string Text, long Length);

    [Test]
    public void RecordsBecomeColumnsWithoutComputing()
    {
        var words = Bag.From(new[] { "a", "bb", "cc", "ddd", "bb" }, partitions: 2).Map(w => new Word(w, w.Length));
        var frame = words.ToFrame();
        Assert.That(frame.Columns, Is.EqualTo(new[] { "Text", "Length" }));
        Assert.That(frame.NPartitions, Is.EqualTo(2));
        var byLength = frame.GroupBy("Length").Agg(Agg.Count()).SortBy("Length").Compute(SchedulerCases.Create(schedulerName));
        Assert.That(byLength.Rows().Select(r => (r[0], r[1])), Is.EqualTo(new[] { ((object?)1L, (object?)1L), (2L, 3L), (3L, 1L) }));
    }

    [Test]
    public void DelayedTablesWithTheWrongSchemaFailNamingBoth()
    {
        var schema = Table.FromRecords(new[] { new Word("x", 1) }).Schema;
        var other = Delayed.Run(() => Table.FromRecords(new[] { (A: 1, B: 2) }));
        var frame = Frame.FromDelayed([other], schema);
        var e = Assert.Throws<TaskFailedException>(() => frame.Compute(SchedulerCases.Create(schedulerName)))!;
        Assert.That(e.InnerException!.Message, Does.Contain("Text").And.Contain("Item1").Or.Contain("A"));
    }
}
