namespace TaskGraph.Tests.Bags;

/// <summary>
/// Issue 18's bag methods (FoldBy, TopK, Pluck, Any, All, Var, Std, DistinctBy, Accumulate) on every scheduler, each
/// against an independent computation (LINQ, plain loops, or values from Dask's and NumPy's documentation and tests).
/// </summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class BagDaskMethodsSuite(string schedulerName)
{
    private IScheduler _scheduler = null!;

    [OneTimeSetUp]
    public void Setup() => _scheduler = SchedulerCases.Create(schedulerName);

    private ComputeOptions On => new() { Scheduler = _scheduler };

    private static readonly int[] Numbers = Enumerable.Range(0, 1000).Select(i => (i * 7919) % 1009).ToArray();

    // Dask's test bag: range(5) in each of 3 partitions.
    private static Bag<int> DaskB() => Bag.From(Enumerable.Range(0, 3).SelectMany(_ => Enumerable.Range(0, 5)), 3);

    private static bool IsEven(int x) => x % 2 == 0;

    private static int Add(int a, int b) => a + b;

    private static int Negate(int x) => -x;

    [Test]
    public void FoldByMatchesDasksTestFoldby()
    {
        // dask/bag/tests/test_bag.py::test_foldby (checked against dask's source): b is range(5) in 3 partitions;
        // set(b.foldby(iseven, add, 0, add, 0)) == set(reduceby(iseven, add, L, 0).items()), the same again for
        // foldby(iseven, lambda acc, x: acc + x), and building the same foldby twice gives the same name.
        var full = DaskB().FoldBy(IsEven, 0, (acc, x) => acc + x, (a, b) => a + b).Compute(On);
        Assert.That(full, Is.EquivalentTo(new[] { (true, 18), (false, 12) }));
        Assert.That(DaskB().FoldBy(IsEven, 0, Add, Add).ToDelayed().Key, Is.EqualTo(DaskB().FoldBy(IsEven, 0, Add, Add).ToDelayed().Key));
        var oneFunction = DaskB().FoldBy(IsEven, (a, b) => a + b).Compute(On);
        Assert.That(oneFunction, Is.EquivalentTo(new[] { (true, 18), (false, 12) }));
    }

    [Test]
    public void FoldByMatchesLinqGroupByInOrderOfFirstAppearance([Values(2, 3, 8)] int splitEvery)
    {
        var got = Bag.From(Numbers, 13).FoldBy(x => x % 17, (0L, 0), (acc, x) => (acc.Item1 + x, Math.Max(acc.Item2, x)),
            (a, b) => (a.Item1 + b.Item1, Math.Max(a.Item2, b.Item2)), splitEvery).Compute(On);
        var expected = Numbers.GroupBy(x => x % 17).Select(g => (g.Key, (g.Sum(x => (long)x), g.Max())));
        Assert.That(got, Is.EqualTo(expected));
    }

    [Test]
    public void FoldByCountsWordsLikeFrequenciesIncludingNullKeys()
    {
        string?[] words = ["x", "y", null, "x", "z", "x", null, "y"];
        var bag = Bag.From(words, 3);
        var counts = bag.FoldBy(w => w, 0L, (n, _) => n + 1, (a, b) => a + b, splitEvery: 2).Compute(On);
        Assert.That(counts, Is.EqualTo(bag.Frequencies(splitEvery: 2).Compute(On)));
        Assert.That(counts, Is.EqualTo(new (string?, long)[] { ("x", 3), ("y", 2), (null, 2), ("z", 1) }));
        Assert.That(bag.Filter(_ => false).FoldBy(w => w, 0L, (n, _) => n + 1, (a, b) => a + b).Compute(On), Is.Empty);
    }

    [Test]
    public void TopKMatchesDasksTestTopk()
    {
        // dask/bag/tests/test_bag.py::test_topk: list(b.topk(4)) == [4, 4, 4, 3]; topk(4, key=lambda x: -x) == [0, 0, 0, 1],
        // also with split_every=2, under another name than without it; topk(4) built twice has one name.
        Assert.That(DaskB().TopK(4).Compute(On), Is.EqualTo(new[] { 4, 4, 4, 3 }));
        Assert.That(DaskB().TopK(4, x => -x).Compute(On), Is.EqualTo(new[] { 0, 0, 0, 1 }));
        Assert.That(DaskB().TopK(4, Negate, splitEvery: 2).Compute(On), Is.EqualTo(new[] { 0, 0, 0, 1 }));
        Assert.That(DaskB().TopK(4, Negate, splitEvery: 2).ToDelayed().Key, Is.Not.EqualTo(DaskB().TopK(4, Negate).ToDelayed().Key));
        Assert.That(DaskB().TopK(4).ToDelayed().Key, Is.EqualTo(DaskB().TopK(4).ToDelayed().Key));
        Assert.That(DaskB().TopK(0).Compute(On), Is.Empty);
        Assert.That(DaskB().TopK(100).Compute(On), Is.EqualTo(DaskB().Compute(On).OrderDescending()));
    }

    [Test]
    public void TopKMatchesLinqWithTiesInOrderOfAppearance([Values(2, 8)] int splitEvery)
    {
        var pairs = Numbers.Select((x, i) => (Value: x % 50, Index: i)).ToArray();
        var got = Bag.From(pairs, 11).TopK(30, p => p.Value, splitEvery).Compute(On);
        Assert.That(got, Is.EqualTo(pairs.OrderByDescending(p => p.Value).Take(30)), "a stable sort: equal values keep their index order");
    }

    [Test]
    public void PluckMatchesDasksTestPluck()
    {
        // dask/bag/tests/test_bag.py::test_pluck: pairs (1, 10), (2, 20) | (3, 30), (4, 40); pluck(0) and pluck(1)
        // (Dask compares sets; here the order is checked too). Its pluck([1, 0]) of several indices is not offered.
        var pairs = Bag.From(new[] { new[] { 1, 10 }, [2, 20], [3, 30], [4, 40] }, 2);
        Assert.That(pairs.Pluck(0).Compute(On), Is.EqualTo(new[] { 1, 2, 3, 4 }));
        Assert.That(pairs.Pluck(1).Compute(On), Is.EqualTo(new[] { 10, 20, 30, 40 }));
        var records = Bag.From(Enumerable.Range(0, 20).Select(i => new Dictionary<string, int> { ["id"] = i, ["sq"] = i * i }), 3);
        Assert.That(records.Pluck("sq").Sum().Compute(On), Is.EqualTo(Enumerable.Range(0, 20).Sum(i => i * i)));
    }

    [Test]
    public void PluckWithDefaultMatchesDasksTestPluckWithDefault()
    {
        // dask/bag/tests/test_bag.py::test_pluck_with_default: ["Hello", "", "World"].pluck(0) raises IndexError; with a
        // default it fills in (Dask's default is None, here '?'); pluck(0) and pluck(0, default) have different names.
        var letters = Bag.From(new[] { "Hello", "", "World" }).Map(s => s.ToCharArray());
        var e = Assert.Throws<TaskFailedException>(() => letters.Pluck(0).Compute(On))!;
        Assert.That(e.ToString(), Does.Contain("index 0 is out of range"));
        Assert.That(letters.Pluck(0, '?').Compute(On), Is.EqualTo(new[] { 'H', '?', 'W' }));
        Assert.That(letters.Pluck(0, '?').ToDelayed().Key, Is.Not.EqualTo(letters.Pluck(0).ToDelayed().Key));
        Assert.That(letters.Pluck(0, '?').ToDelayed().Key, Is.EqualTo(letters.Pluck(0, '?').ToDelayed().Key));
        var dicts = Bag.From(new[] { new Dictionary<string, int> { ["a"] = 1 }, new Dictionary<string, int> { ["b"] = 2 } });
        Assert.That(dicts.Pluck("a", -1).Compute(On), Is.EqualTo(new[] { 1, -1 }));
        var missing = Assert.Throws<TaskFailedException>(() => dicts.Pluck("a").Compute(On))!;
        Assert.That(missing.ToString(), Does.Contain("no key 'a'"));
    }

    [Test]
    public void AnyAndAllMatchLinq()
    {
        var bag = Bag.From(Numbers, 9);
        foreach (var limit in new[] { -1, 0, 500, 1008, 2000 })
        {
            Assert.That(bag.Any(x => x > limit).Compute(On), Is.EqualTo(Numbers.Any(x => x > limit)), $"any > {limit}");
            Assert.That(bag.All(x => x > limit).Compute(On), Is.EqualTo(Numbers.All(x => x > limit)), $"all > {limit}");
        }
        // Dask's b.any() / b.all() on range(5) * 3: some element is truthy, not all (0 is falsy).
        Assert.That(DaskB().Any(x => x != 0).Compute(On), Is.True);
        Assert.That(DaskB().All(x => x != 0).Compute(On), Is.False);
        var empty = bag.Filter(_ => false);
        Assert.That((empty.Any(_ => true).Compute(On), empty.All(_ => false).Compute(On)), Is.EqualTo((false, true)));
    }

    [Test]
    public void VarAndStdMatchNumPyDocumentationAndATwoPassLoop()
    {
        // NumPy's documentation of np.var / np.std: a = [[1, 2], [3, 4]]; np.var(a) == 1.25, np.std(a) == 1.1180339887498949.
        var a = Bag.From(new[] { 1, 2, 3, 4 }, 3);
        Assert.That(a.Var().Compute(On), Is.EqualTo(1.25).Within(1e-15));
        Assert.That(a.Std().Compute(On), Is.EqualTo(1.1180339887498949).Within(1e-15));
        Assert.That(a.Var(ddof: 1).Compute(On), Is.EqualTo(5.0 / 3).Within(1e-15));
        // dask/bag/tests/test_bag.py::test_var and ::test_std: range(5) * 3 has var 2.0 and std sqrt(2).
        Assert.That(DaskB().Var().Compute(On), Is.EqualTo(2.0).Within(1e-12));
        Assert.That(DaskB().Std().Compute(On), Is.EqualTo(Math.Sqrt(2)).Within(1e-12));
        // A large offset: a naive sum of squares would cancel; the pairwise merge does not.
        var shifted = Numbers.Select(x => 1e9 + x).ToArray();
        double mean = 0, m2 = 0;
        foreach (var x in shifted) mean += x;
        mean /= shifted.Length;
        foreach (var x in shifted) m2 += (x - mean) * (x - mean);
        Assert.That(Bag.From(shifted, 7).Var(ddof: 1).Compute(On), Is.EqualTo(m2 / (shifted.Length - 1)).Within(1e-6).Percent);
        var e = Assert.Throws<TaskFailedException>(() => Bag.From(new[] { 5.0 }).Var(ddof: 1).Compute(On))!;
        Assert.That(e.InnerException!.Message, Does.Contain("ddof 1 needs more than 1 elements"));
    }

    [Test]
    public void DistinctByMatchesDasksTestDistinctWithKey()
    {
        // dask/bag/tests/test_bag.py::test_distinct_with_key: [{"a": i} for i in [0,1,2,1,2,3,2,3,4,5]], distinct(key="a").
        int[] a = [0, 1, 2, 1, 2, 3, 2, 3, 4, 5];
        var seq = Bag.From(a.Select((v, i) => new Dictionary<string, int> { ["a"] = v, ["i"] = i }), 3);
        Assert.That(seq.DistinctBy(d => d["a"]).Pluck("a").Compute(On), Is.EqualTo(new[] { 0, 1, 2, 3, 4, 5 }));
        Assert.That(seq.DistinctBy(d => d["a"]).Pluck("i").Compute(On), Is.EqualTo(new[] { 0, 1, 2, 5, 8, 9 }), "the first element of each key");
        Assert.That(Bag.From(Numbers, 11).DistinctBy(x => x % 37, splitEvery: 2).Compute(On), Is.EqualTo(Numbers.DistinctBy(x => x % 37)));
    }

    [Test]
    public void AccumulateMatchesDasksTestAccumulate()
    {
        // dask/bag/tests/test_bag.py::test_accumulate: parts [[1, 2, 3], [4, 5], [], [6, 7]]; accumulate(add) ==
        // [1, 3, 6, 10, 15, 21, 28]; accumulate(add, -1) == [-1, 0, 2, 5, 9, 14, 20, 27] under another name.
        var parts = Bag.From(new[] { 1, 2, 3, 4, 5, 0, 0, 0, 0, 6, 7, 0 }, 4).Filter(x => x != 0);
        Assert.That(parts.PartitionCount, Is.EqualTo(4));
        var running = parts.Accumulate((a, b) => a + b);
        Assert.That(running.Compute(On), Is.EqualTo(new[] { 1, 3, 6, 10, 15, 21, 28 }));
        Assert.That(running.PartitionCount, Is.EqualTo(4));
        Assert.That(parts.Accumulate(-1, (a, b) => a + b).Compute(On), Is.EqualTo(new[] { -1, 0, 2, 5, 9, 14, 20, 27 }));
        Assert.That(parts.Accumulate(-1, Add).ToDelayed().Key, Is.Not.EqualTo(parts.Accumulate(Add).ToDelayed().Key));
        // Against a plain loop, with an accumulator of another type and a non-commutative step.
        var words = Enumerable.Range(0, 40).Select(i => ((char)('a' + i % 26)).ToString()).ToArray();
        var expected = new List<string> { ">" };
        foreach (var w in words) expected.Add(expected[^1] + w);
        Assert.That(Bag.From(words, 6).Accumulate(">", (acc, w) => acc + w).Compute(On), Is.EqualTo(expected));
        Assert.That(Bag.From(Numbers, 5).Filter(_ => false).Accumulate((a, b) => a + b).Compute(On), Is.Empty);
    }
}
