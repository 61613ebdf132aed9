namespace TaskGraph.Tests.Keys;

/// <summary>
/// Keys of the shared layers as every collection uses them: each level of a tree reduction and each stage of a
/// shuffle has keys of its own (no two tasks of a graph collapse into one), and split_every, split_out or the
/// bucket count change every key they shape.
/// </summary>
public class LayerKeyTests
{
    /// <summary>The keys of the compiled (unfused) graph whose name contains <paramref name="part"/>.</summary>
    private static List<TaskKey> KeysNamed(TaskSpec root, string part)
    {
        var plan = ExecutionPlan.Compile([root], fuse: false);
        return Enumerable.Range(0, plan.TaskCount).Select(plan.KeyOf).Where(k => k.Name.Contains(part)).ToList();
    }

    private static Frame Frame16() => Frame.FromTable(Table.Create(
        ("k", Column.Of(Enumerable.Range(0, 64).Select(i => (long)(i % 5)).ToArray())),
        ("v", Column.Of(Enumerable.Range(0, 64).Select(i => (double)i).ToArray()))), partitions: 16);

    /// <code>
    ///   16 (arrays: 64) chunks ─▶ combine levels of split_every ─▶ one aggregate
    ///   split_every 2, 16 partials: 8 + 4 + 2 combines; 64 partials: 32 + 16 + 8 + 4 + 2
    /// </code>
    [Test]
    public void EveryTreeLevelHasKeysOfItsOwnInEveryCollection()
    {
        var frame2 = Frame16().GroupBy("k").SplitEvery(2).Agg(Agg.Sum("v")).ToDelayed().Spec;
        Assert.That(KeysNamed(frame2, "agg-combine"), Has.Count.EqualTo(8 + 4 + 2), "frame levels collapse into each other");
        var frame4 = Frame16().GroupBy("k").SplitEvery(4).Agg(Agg.Sum("v")).ToDelayed().Spec;
        Assert.That(KeysNamed(frame4, "agg-combine").Intersect(KeysNamed(frame2, "agg-combine")), Is.Empty, "split_every 2 and 4");

        var x = NdArray.FromArray(Enumerable.Range(0, 64).Select(i => (double)i).ToArray(), [64], [1]);
        var sum2 = x.Sum(null, splitEvery: 2).ToDelayed().Spec;
        Assert.That(KeysNamed(sum2, "sum-combine"), Has.Count.EqualTo(32 + 16 + 8 + 4 + 2), "array levels collapse into each other");
        Assert.That(KeysNamed(x.Sum(null, splitEvery: 3).ToDelayed().Spec, "sum-combine").Intersect(KeysNamed(sum2, "sum-combine")), Is.Empty);
        Assert.That(KeysNamed(x.Mean().ToDelayed().Spec, "combine").Intersect(KeysNamed(x.Sum().ToDelayed().Spec, "combine")), Is.Empty, "operation");
        Assert.That(Delayed.Compute(x.Sum(null, splitEvery: 2).ToDelayed(), x.Sum(null, splitEvery: 3).ToDelayed(),
            new ComputeOptions { Scheduler = Scheduler.Synchronous }).Item1.Data[0], Is.EqualTo(2016));
    }

    [Test]
    public void AMatMulsPartialSumsAndItsFinalSumShareNoKey()
    {
        var a = NdArray.FromArray(Enumerable.Range(0, 64).Select(i => (double)(i % 7)).ToArray(), [4, 16], [2, 1]);
        var c = a.MatMul(a.T, splitEvery: 2);
        // 16 contraction blocks, 2 per product task: 8 products per output block, then 4 + 2 partial sums and 1 final.
        Assert.That(KeysNamed(c.ToDelayed().Spec, "matmul-sum"), Has.Count.EqualTo(4 * (4 + 2 + 1)));
        var expected = NdArray.FromArray(Enumerable.Range(0, 64).Select(i => (double)(i % 7)).ToArray(), [4, 16], [4, 16]);
        Assert.That(c.Compute(Scheduler.Synchronous).Data, Is.EqualTo(expected.MatMul(expected.T).Compute(Scheduler.Synchronous).Data));
    }

    [Test]
    public void ShuffleStagesAndBucketCountsHaveKeysOfTheirOwn()
    {
        var f = Frame16();
        var other = Frame.FromTable(Table.Create(("k", Column.Of(new long[] { 0, 1, 2 })), ("w", Column.Of(new[] { 1.0, 2.0, 3.0 }))), partitions: 3);
        var join2 = f.Merge(other, on: ["k"], broadcastMaxPartitions: 0, partitions: 2).ToDelayed().Spec;
        var join3 = f.Merge(other, on: ["k"], broadcastMaxPartitions: 0, partitions: 3).ToDelayed().Spec;
        var left = KeysNamed(join2, "shuffle-split-left");
        var right = KeysNamed(join2, "shuffle-split-right");
        Assert.That((left.Count, right.Count, KeysNamed(join2, "join-bucket").Count), Is.EqualTo((16, 3, 2)));
        Assert.That(KeysNamed(join3, "shuffle-split").Intersect(KeysNamed(join2, "shuffle-split")), Is.Empty, "bucket count");
        var out2 = KeysNamed(f.GroupBy("k").SplitOut(2).Agg(Agg.Sum("v")).ToDelayed().Spec, "agg-");
        var out3 = KeysNamed(f.GroupBy("k").SplitOut(3).Agg(Agg.Sum("v")).ToDelayed().Spec, "agg-");
        Assert.That(out2.Intersect(out3), Is.Empty, "split_out");
        Assert.That(out2.Count(k => k.Name == "agg-split"), Is.EqualTo(16));
        Assert.That(out2.Count(k => k.Name == "agg-finalize"), Is.EqualTo(2));
    }
}
