using TaskGraph.Collections;

namespace TaskGraph.Tests.Collections;

/// <summary>
/// The shared collection layers on their own: the tree reduction, the hash shuffle, the key scheme and the stable
/// hash. Each test builds a layer over literal partials with small typed bodies, checks the graph's shape (tasks per
/// level, distinct keys) and computes it.
/// </summary>
public class TreeReductionLayerTests
{
    /// <summary>Parameters of the test bodies: a tag that changes the result, so it must change keys.</summary>
    private sealed record Add(int Bonus);

    private static int Sum(Add p, int[] xs) => xs.Sum() + p.Bonus;

    private static TaskSpec[] Partials(int n, int from = 1) => Enumerable.Range(from, n).Select(i => TaskSpec.Literal(i)).ToArray();

    private static LayerStep Combine(int bonus = 0) => LayerStep.Many<Add, int, int>("t-combine", Sum, new Add(bonus));

    private static LayerStep Aggregate(int bonus = 0) => LayerStep.Many<Add, int, int>("t-agg", Sum, new Add(bonus));

    private static Token Layer(string tag = "test-tree") => LayerToken.Of(tag, 1);

    /// <summary>Tasks by name prefix in the graph under <paramref name="root"/> (literals are not counted).</summary>
    private static Dictionary<string, int> Census(TaskSpec root)
    {
        var plan = ExecutionPlan.Compile([root], fuse: false);
        return Enumerable.Range(0, plan.TaskCount).Select(plan.KeyOf).Where(k => k.Name.StartsWith("t-"))
            .GroupBy(k => k.Name).ToDictionary(g => g.Key, g => g.Count());
    }

    private static IEnumerable<TaskSpec> Tasks(TaskSpec root)
    {
        var seen = new HashSet<TaskKey>();
        var stack = new Stack<TaskSpec>([root]);
        while (stack.Count > 0)
        {
            var s = stack.Pop();
            if (!seen.Add(s.Key)) continue;
            yield return s;
            foreach (var d in s.Dependencies) stack.Push(d);
        }
    }

    /// <code>
    ///   p0 .. p25              26 literal partials
    ///   c0 .. c8               level 0: groups of 3 (the last one of 2)
    ///   c'0 c'1 c'2            level 1
    ///   agg                    3 inputs: at most split_every
    /// </code>
    [Test]
    public void LevelsCombineSplitEveryAtATimeThenOneAggregate()
    {
        var root = TreeReduction.Reduce(Partials(26), 3, Layer(), Combine(), Aggregate());
        Assert.That(Census(root), Is.EqualTo(new Dictionary<string, int> { ["t-combine"] = 9 + 3, ["t-agg"] = 1 }));
        Assert.That(root.Dependencies.Count(), Is.EqualTo(3), "the aggregate reads the last level");
        Assert.That(root.Dependencies.All(d => d.Args.Length - 1 <= 3), Is.True, "every combine reads at most split_every partials");
        Assert.That(Delayed.FromSpec<int>(root).Compute(Scheduler.Synchronous), Is.EqualTo(Enumerable.Range(1, 26).Sum()));
    }

    /// <code>
    ///   p0 .. p8    p9         10 partials, split_every 3
    ///   c0 c1 c2    │          level 0: the lone p9 is not wrapped in a task
    ///     c'0       │          level 1: 4 > 3 are left, so (c0 c1 c2) combine again; p9 moves up as it is
    ///        agg ───┘
    /// </code>
    [Test]
    public void ALonePartialMovesUpALevelWithoutATask()
    {
        var root = TreeReduction.Reduce(Partials(10), 3, Layer(), Combine(), Aggregate());
        Assert.That(Census(root), Is.EqualTo(new Dictionary<string, int> { ["t-combine"] = 3 + 1, ["t-agg"] = 1 }));
        Assert.That(Delayed.FromSpec<int>(root).Compute(Scheduler.Synchronous), Is.EqualTo(55));
    }

    [Test]
    public void WithoutAnAggregateStepCombineEndsTheTreeAndOnePartialIsTheResult()
    {
        var root = TreeReduction.Reduce(Partials(26), 3, Layer(), Combine(), aggregate: null);
        Assert.That(Census(root), Is.EqualTo(new Dictionary<string, int> { ["t-combine"] = 9 + 3 + 1 }));
        var one = Partials(1);
        Assert.That(TreeReduction.Reduce(one, 3, Layer(), Combine(), aggregate: null), Is.SameAs(one[0]));
        var none = TreeReduction.Reduce([], 3, Layer(), Combine(5), aggregate: null);
        Assert.That(Delayed.FromSpec<int>(none).Compute(Scheduler.Synchronous), Is.EqualTo(5), "no partials: combine of an empty list");
    }

    [Test]
    public void EveryLevelOutputAndParameterHasKeysOfItsOwn()
    {
        var parts = Partials(30);
        var keys = Tasks(TreeReduction.Reduce(parts, 2, Layer(), Combine(), Aggregate())).Select(s => s.Key).ToList();
        Assert.That(keys, Is.Unique, "levels of one tree");
        var two = TreeReduction.Reduce(parts, 2, Layer(), Combine(), Aggregate(), output: 1);
        Assert.That(Tasks(two).Where(s => !s.IsLiteral).Select(s => s.Key).Intersect(keys), Is.Empty, "two outputs of one layer");
        var otherLayer = TreeReduction.Reduce(parts, 2, Layer("test-tree-2"), Combine(), Aggregate());
        Assert.That(Tasks(otherLayer).Where(s => !s.IsLiteral).Select(s => s.Key).Intersect(keys), Is.Empty, "another layer token (another parameter)");
        Assert.That(TreeReduction.Reduce(parts, 2, Layer(), Combine(), Aggregate()).Key, Is.EqualTo(keys[0]), "the same tree built twice");
    }

    [Test]
    public void ACombineAndAnAggregateOfOneNameStillHaveDistinctKeys()
    {
        // matmul's partial sums and final sum share the name "matmul-sum".
        var same = LayerStep.Many<Add, int, int>("t-combine", Sum, new Add(0));
        var root = TreeReduction.Reduce(Partials(5), 2, Layer(), same, same);
        Assert.That(Tasks(root).Select(s => s.Key), Is.Unique);
        Assert.That(Delayed.FromSpec<int>(root).Compute(Scheduler.Synchronous), Is.EqualTo(15));
    }

    [Test]
    public void SplitEveryIsCheckedOnceWithOneMessageForEveryCollection()
    {
        var layer = Assert.Throws<ArgumentOutOfRangeException>(() => TreeReduction.Reduce(Partials(4), 1, Layer(), Combine(), Aggregate()))!;
        var message = layer.Message.Split(" (Parameter")[0];
        Assert.That(message, Does.StartWith("split_every must be at least 2").And.Contain("got 1"));
        var bag = Assert.Throws<ArgumentOutOfRangeException>(() => Bag.From([1, 2, 3]).Fold(0, (a, x) => a + x, (a, b) => a + b, splitEvery: 1))!;
        var array = Assert.Throws<ArgumentOutOfRangeException>(() => NdArray.FromArray(new double[4], [4], [2]).Sum(null, splitEvery: 1))!;
        var matmul = Assert.Throws<ArgumentOutOfRangeException>(() => NdArray.FromArray(new double[4], [2, 2], [1, 1]).MatMul(NdArray.FromArray(new double[4], [2, 2], [1, 1]), splitEvery: 1))!;
        var frame = Assert.Throws<ArgumentOutOfRangeException>(() => Frame.FromTable(Table.Create(("k", Column.Of(new long[] { 1 })))).GroupBy("k").SplitEvery(1).Agg(Agg.Count()))!;
        foreach (var (who, e) in new[] { ("bag", bag), ("array", array), ("matmul", matmul), ("frame", frame) })
            Assert.That(e.Message.Split(" (Parameter")[0], Is.EqualTo(message), who);
    }
}

/// <summary>The hash shuffle layer: splits, gathers of bucket j, two-sided gathers, keys, and the stable bucket of a hash.</summary>
public class HashShuffleLayerTests
{
    private sealed record Route(int Buckets);

    private sealed record Tag(string Name);

    /// <summary>A split body: numbers into buckets by their stable hash.</summary>
    private static int[][] Split(Route p, int[] xs)
    {
        var lists = Enumerable.Range(0, p.Buckets).Select(_ => new List<int>()).ToArray();
        foreach (var x in xs) lists[StableHash.BucketOfHash(StableHash.Of(x), p.Buckets)].Add(x);
        return lists.Select(l => l.ToArray()).ToArray();
    }

    private static string Gather(Tag p, int[][] pieces) => p.Name + ":" + string.Join(",", pieces.Select(x => string.Join("+", x)));

    private static string Join(Tag p, int[][] left, int[][] right) => $"{p.Name}:{left.Length}|{right.Length}:{left.SelectMany(x => x).Sum()}|{right.SelectMany(x => x).Sum()}";

    /// <code>
    ///   in0 in1 in2            literal int[] partitions
    ///   s0  s1  s2             split: int[4][] each
    ///   out0 .. out3           out j: bucket j of s0, s1, s2 (in split order)
    /// </code>
    [Test]
    public void OutputJGathersBucketJOfEverySplitInSplitOrder()
    {
        var inputs = new[] { new[] { 1, 2, 3, 4 }, new[] { 5, 6, 7 }, new[] { 8, 9, 10, 11, 12 } }.Select(a => TaskSpec.Literal(a)).ToArray();
        var layer = LayerToken.Of("test-shuffle", 4);
        var splits = HashShuffle.Split(inputs, layer, LayerStep.Split<Route, int[], int[]>("t-split", Split, new Route(4)));
        var outs = HashShuffle.Gather(splits, 4, layer, LayerStep.Gather<Tag, int[], string>("t-gather", Gather, new Tag("g")));
        Assert.That(outs, Has.Length.EqualTo(4));
        Assert.That(outs.All(o => o.Dependencies.SequenceEqual(splits)), Is.True, "every output reads every split");
        Assert.That(splits.Concat(outs).Select(s => s.Key), Is.Unique, "split and gather stages never share a key");
        var results = Delayed.Compute(outs.Select(Delayed.FromSpec<string>), new ComputeOptions { Scheduler = Scheduler.Synchronous });
        for (int j = 0; j < 4; j++)
        {
            var expected = "g:" + string.Join(",", new[] { new[] { 1, 2, 3, 4 }, new[] { 5, 6, 7 }, new[] { 8, 9, 10, 11, 12 } }
                .Select(part => string.Join("+", part.Where(x => StableHash.BucketOfHash(StableHash.Of(x), 4) == j))));
            Assert.That(results[j], Is.EqualTo(expected), $"bucket {j}");
        }
    }

    /// <code>
    ///   l0 l1      r0 r1 r2    splits of both sides
    ///     out0 .. out2         out j: bucket j of l0, l1 | bucket j of r0, r1, r2
    /// </code>
    [Test]
    public void AJoinGathersBucketJOfBothSidesApart()
    {
        var layer = LayerToken.Of("test-join", 3);
        var split = LayerStep.Split<Route, int[], int[]>("t-split", Split, new Route(3));
        var left = HashShuffle.Split(new[] { new[] { 1, 2 }, new[] { 3 } }.Select(a => TaskSpec.Literal(a)).ToArray(), layer, split);
        var right = HashShuffle.Split(new[] { new[] { 10 }, new[] { 20, 30 }, new[] { 40 } }.Select(a => TaskSpec.Literal(a)).ToArray(), LayerToken.Of("test-join-right", 3), split);
        var outs = HashShuffle.Join(left, right, 3, layer, LayerStep.Gather<Tag, int[], int[], string>("t-join", Join, new Tag("j")));
        var results = Delayed.Compute(outs.Select(Delayed.FromSpec<string>), new ComputeOptions { Scheduler = Scheduler.Synchronous });
        int BucketSum(IEnumerable<int> xs, int j) => xs.Where(x => StableHash.BucketOfHash(StableHash.Of(x), 3) == j).Sum();
        for (int j = 0; j < 3; j++)
            Assert.That(results[j], Is.EqualTo($"j:2|3:{BucketSum([1, 2, 3], j)}|{BucketSum([10, 20, 30, 40], j)}"), $"bucket {j}");
    }

    [Test]
    public void TheBucketOfAHashIsInRangeAndEven()
    {
        foreach (var n in new[] { 1, 2, 3, 7, 64, 1000 })
        {
            var counts = new int[n];
            for (int i = 0; i < 100_000; i++)
            {
                int b = StableHash.BucketOfHash(StableHash.Of(i), n);
                Assert.That(b, Is.InRange(0, n - 1));
                counts[b]++;
            }
            Assert.That(counts.Min(), Is.GreaterThan(100_000 / n * 0.6), $"{n} buckets: {string.Join(",", counts.Take(10))}");
        }
    }

    [Test]
    public void RowsByBucketKeepsRowOrderWithinEachBucket()
    {
        var rows = HashShuffle.RowsByBucket([2, 0, 2, 1, 0, 2], 4);
        Assert.That(rows, Is.EqualTo(new[] { new[] { 1, 4 }, new[] { 3 }, new[] { 0, 2, 5 }, Array.Empty<int>() }));
    }

    [Test]
    public void TheStableHashAndTheFramesRowHashAreOne()
    {
        // A frame's string cell hashes as the bags' string key: one stable hash for every collection.
        var t = Table.Create(("s", Column.Of(new[] { "stopword", "abc" })), ("n", Column.Of(new long[] { 42, -1 })));
        Assert.That(t["s"].HashAt(0), Is.EqualTo(StableHash.OfString("stopword")));
        Assert.That(t["n"].HashAt(0), Is.EqualTo(StableHash.Of(42L)));
        Assert.That(t["n"].HashAt(1), Is.EqualTo(StableHash.Of(-1)));
    }
}

/// <summary>The key scheme: named domains, every part counts, unfingerprintable parts make unique tokens, stages apart.</summary>
public class LayerTokenTests
{
    [Test]
    public void EveryPartAndTheDomainChangeTheToken()
    {
        var input = TaskSpec.Literal(7);
        var tokens = new[]
        {
            LayerToken.Of("d", input, 1, "a"),
            LayerToken.Of("e", input, 1, "a"),
            LayerToken.Of("d", TaskSpec.Literal(8), 1, "a"),
            LayerToken.Of("d", input, 2, "a"),
            LayerToken.Of("d", input, 1, "b"),
            LayerToken.Of("d", input, 1),
            LayerToken.Of("d", input, new[] { "a" }),
        };
        Assert.That(tokens, Is.Unique);
        Assert.That(LayerToken.Of("d", TaskSpec.Literal(7), 1, "a"), Is.EqualTo(tokens[0]), "built twice");
    }

    [Test]
    public void StateThatCannotBeFingerprintedMakesTheTokenUnique()
    {
        var stream = new MemoryStream();
        Func<int, long> f = x => x + stream.Length;
        Assert.That(LayerToken.Of("d", f), Is.Not.EqualTo(LayerToken.Of("d", f)));
    }

    [Test]
    public void StagesAndIndicesOfOneLayerHaveDistinctKeys()
    {
        var layer = LayerToken.Of("d", 1);
        var keys = new[]
        {
            LayerToken.Stage(layer, "split")[0], LayerToken.Stage(layer, "split")[1], LayerToken.Stage(layer, "gather")[0],
            LayerToken.Stage(layer, "split", level: 1)[0], LayerToken.Stage(LayerToken.Of("d", 2), "split")[0],
        };
        Assert.That(keys, Is.Unique);
        Assert.That(keys[1].ToString(), Does.StartWith("split-").And.EndWith("[1]"));
        Assert.That(LayerToken.Key("split", layer, 1), Is.EqualTo(keys[1]));
    }
}
