using TaskGraph.Collections;
namespace TaskGraph.Tests.Bags;

/// <summary>The shape of bag graphs: fusion into one task per partition, tree reductions, shuffles, keys.</summary>
public class BagGraphTests
{
    private static int TaskCount(TaskSpec output) => ExecutionPlan.Compile([output], fuse: false).TaskCount;

    [Test]
    public void ConsecutiveElementOperationsAreOneTaskPerPartition()
    {
        //  from[0..5] -> map -> filter -> flatmap -> map-partitions -> map    (all fused into the source task)
        //        \_______________________ concat _______________________/
        var bag = Bag.From(Enumerable.Range(0, 60), 6)
            .Map(x => x + 1).Filter(x => x % 3 != 0).FlatMap(x => new[] { x, x }).MapPartitions(p => p.Reverse()).Map(x => x * 2);
        Assert.That(TaskCount(bag.ToDelayed().Spec), Is.EqualTo(6 + 1), "6 partition tasks and one concatenation");
        Assert.That(TaskCount(bag.Count().Spec), Is.EqualTo(6 + 1), "the fold runs in the partition task; one combine task");
    }

    [Test]
    public void TextPipelineReadsInsideThePartitionTask()
    {
        var path = Path.GetTempFileName();
        try
        {
            File.WriteAllText(path, string.Concat(Enumerable.Range(0, 100).Select(i => $"line {i}\n")));
            var words = Bag.ReadText(path, 100).Map(l => l.ToUpperInvariant()).FlatMap(l => l.Split(' '));
            Assert.That(words.PartitionCount, Is.EqualTo(8), "790 bytes in blocks of 100");
            Assert.That(TaskCount(words.Count().Spec), Is.EqualTo(8 + 1), "read, map, flatmap and fold in one task per block; one combine");
            Assert.That(words.Count().Compute(Scheduler.Synchronous), Is.EqualTo(200));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Test]
    public void GroupByIsSplitTasksThenGroupTasks()
    {
        var grouped = Bag.From(Enumerable.Range(0, 100), 5).Map(x => x * 2).GroupBy(x => x % 7, partitions: 3);
        Assert.That(grouped.PartitionCount, Is.EqualTo(3));
        Assert.That(TaskCount(grouped.ToDelayed().Spec), Is.EqualTo(5 + 3 + 1), "5 splits (map fused in), 3 groups, 1 concat");
    }

    [Test]
    public void KeysAreDeterministicForTokenizableFunctions()
    {
        static Bag<int> Build() => Bag.From(Enumerable.Range(0, 10), 2).Map(x => x + 1).Filter(x => x > 3);
        Assert.That(Build().ToDelayed().Key, Is.EqualTo(Build().ToDelayed().Key));
        Assert.That(Build().Map(x => x * 2).ToDelayed().Key, Is.Not.EqualTo(Build().Map(x => x * 3).ToDelayed().Key));
    }

    [Test]
    public void ChunkerMethodGroupsKeepKeysDeterministic()
    {
        static Delayed<List<DocumentChunks>> Build(string stop) =>
            Bag.From(["a b c"], 1).Map(new TokenChunker(new StopwordSet([stop]), 2).Chunk).ToDelayed();
        Assert.That(Build("a").Key, Is.EqualTo(Build("a").Key));
        Assert.That(Build("a").Key, Is.Not.EqualTo(Build("b").Key));
    }

    [Test]
    public void SharedWorkRunsOnceWhenComputedTogether()
    {
        var bag = Bag.From(Enumerable.Range(0, 100), 4).Map(x => x * x).Persist();
        var (count, sum) = Delayed.Compute(bag.Count(), bag.Sum());
        Assert.That((count, sum), Is.EqualTo((100L, Enumerable.Range(0, 100).Sum(x => x * x))));
    }

    [Test]
    public void BadArgumentsAreRefusedWithClearMessages()
    {
        Assert.That(() => Bag.ReadText("/no/such/folder/x.txt"), Throws.TypeOf<FileNotFoundException>().With.Message.Contain("/no/such/folder/x.txt"));
        Assert.That(() => Bag.ReadText(Path.Combine(Path.GetTempPath(), "no-such-*.nothing")), Throws.TypeOf<FileNotFoundException>().With.Message.Contain("no-such-*.nothing"));
        Assert.That(() => Bag.From(new[] { 1 }).ToText("out.txt"), Throws.ArgumentException.With.Message.Contain("exactly one '*'"));
        Assert.That(() => Bag.From(new[] { 1 }, 0), Throws.TypeOf<ArgumentOutOfRangeException>());
        Assert.That(() => Bag.From(new[] { 1 }).Fold(0, (a, x) => a + x, (a, b) => a + b, splitEvery: 1), Throws.TypeOf<ArgumentOutOfRangeException>());
    }

    private const ulong ExpectedAbc = 11375260467491614100UL;

    [Test]
    public void StableHashDoesNotDependOnTheProcess()
    {
        // Fixed values: the same in every process and on every run (string.GetHashCode is randomized per process).
        Assert.That(StableHash.Of("stopword"), Is.EqualTo(StableHash.OfString("stopword")));
        Assert.That(StableHash.Of((object)"stopword"), Is.EqualTo(StableHash.Of("stopword")));
        Assert.That(StableHash.Of(42), Is.EqualTo(StableHash.Of(42L)));
        Assert.That(StableHash.Of(("a", 1)), Is.EqualTo(StableHash.Of(("a", 1))));
        Assert.That(StableHash.Of(("a", 1)), Is.Not.EqualTo(StableHash.Of(("a", 2))));
        Assert.That(StableHash.OfString("abc"), Is.EqualTo(ExpectedAbc));
    }
}
