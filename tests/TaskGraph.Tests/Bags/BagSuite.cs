namespace TaskGraph.Tests.Bags;

/// <summary>Bag behaviour that must hold on every scheduler, checked against LINQ on the same data.</summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class BagSuite(string schedulerName)
{
    private IScheduler _scheduler = null!;
    private string _dir = null!;

    [OneTimeSetUp]
    public void Setup()
    {
        _scheduler = SchedulerCases.Create(schedulerName);
        _dir = Directory.CreateTempSubdirectory("bag-suite-").FullName;
    }

    [OneTimeTearDown]
    public void Cleanup() => Directory.Delete(_dir, recursive: true);

    private ComputeOptions On => new() { Scheduler = _scheduler };

    private static readonly int[] Numbers = Enumerable.Range(0, 1000).Select(i => (i * 7919) % 1009).ToArray();

    [Test]
    public void FusedElementOperationsMatchLinq()
    {
        var bag = Bag.From(Numbers, 7).Map(x => x * 3).Filter(x => x % 2 == 0).FlatMap(x => new[] { x, -x }).Map(x => x.ToString());
        var expected = Numbers.Select(x => x * 3).Where(x => x % 2 == 0).SelectMany(x => new[] { x, -x }).Select(x => x.ToString());
        Assert.That(bag.Compute(On), Is.EqualTo(expected));
    }

    [Test]
    public void MapPartitionsSeesWholePartitionsAndFusesWithNeighbours()
    {
        var sums = Bag.From(Enumerable.Range(1, 12), 3).Map(x => x * 10).MapPartitions(p => new[] { p.Sum(), p.Count }).Map(x => x + 1).Compute(On);
        Assert.That(sums, Is.EqualTo(new[] { 101, 5, 261, 5, 421, 5 }));
    }

    [Test]
    public void ReductionsMatchLinq()
    {
        var bag = Bag.From(Numbers, 13);
        Assert.That(bag.Count().Compute(On), Is.EqualTo(Numbers.Length));
        Assert.That(bag.Sum().Compute(On), Is.EqualTo(Numbers.Sum()));
        Assert.That(bag.Sum(x => (long)x * x).Compute(On), Is.EqualTo(Numbers.Sum(x => (long)x * x)));
        Assert.That(bag.Min().Compute(On), Is.EqualTo(Numbers.Min()));
        Assert.That(bag.Max().Compute(On), Is.EqualTo(Numbers.Max()));
        Assert.That(bag.Mean().Compute(On), Is.EqualTo(Numbers.Average()).Within(1e-9));
    }

    [Test]
    public void FoldCombinesPartitionsInOrderAsATree()
    {
        // String concatenation is associative but not commutative: the result shows the combine order.
        var letters = Enumerable.Range(0, 26).Select(i => (char)('a' + i)).ToArray();
        var bag = Bag.From(letters, 26);
        var folded = bag.Fold("", (acc, c) => acc + c, (a, b) => a + b, splitEvery: 3);
        Assert.That(folded.Compute(On), Is.EqualTo(new string(letters)));
        var plan = ExecutionPlan.Compile([folded.Spec], fuse: false);
        Assert.That(plan.TaskCount, Is.EqualTo(26 + 9 + 3 + 1), "26 partitions, then levels of 9, 3 and 1 combine tasks");
    }

    [Test]
    public void AggregateIsDasksReduction()
    {
        var bag = Bag.From(Numbers, 9);
        var r = bag.Aggregate(p => p.Max() - p.Min(), parts => parts.Max(), splitEvery: 2);
        var expected = Numbers.Chunk((int)Math.Ceiling(Numbers.Length / 9.0)).Max(p => p.Max() - p.Min());
        Assert.That(r.Compute(On), Is.EqualTo(expected));
    }

    [Test]
    public void EmptyBagsReduceToNeutralValuesOrClearErrors()
    {
        var empty = Bag.From(Enumerable.Range(0, 100), 4).Filter(_ => false);
        Assert.That(empty.Count().Compute(On), Is.EqualTo(0));
        Assert.That(empty.Sum().Compute(On), Is.EqualTo(0));
        Assert.That(empty.Compute(On), Is.Empty);
        Assert.That(empty.Distinct().Compute(On), Is.Empty);
        var e = Assert.Throws<TaskFailedException>(() => empty.Max().Compute(On))!;
        Assert.That(e.InnerException!.Message, Does.Contain("Max of an empty bag"));
        Assert.That(Bag.From(Array.Empty<string>()).Count().Compute(On), Is.EqualTo(0));
    }

    [Test]
    public void DistinctKeepsFirstAppearanceOrder()
    {
        var words = "b a c a b d c e a".Split(' ');
        Assert.That(Bag.From(words, 4).Distinct(splitEvery: 2).Compute(On), Is.EqualTo(new[] { "b", "a", "c", "d", "e" }));
        Assert.That(Bag.From(Numbers, 11).Distinct().Compute(On), Is.EqualTo(Numbers.Distinct()));
    }

    [Test]
    public void FrequenciesCountEveryValueIncludingNull()
    {
        string?[] words = ["x", "y", null, "x", "z", "x", null, "y"];
        var freq = Bag.From(words, 3).Frequencies(splitEvery: 2).Compute(On);
        Assert.That(freq, Is.EqualTo(new (string?, long)[] { ("x", 3), ("y", 2), (null, 2), ("z", 1) }));
        var sorted = Bag.From(Numbers.Select(x => x % 5), 6).Frequencies(sort: true).Compute(On);
        var expected = Numbers.Select(x => x % 5).GroupBy(x => x).Select(g => (g.Key, (long)g.Count())).OrderByDescending(p => p.Item2);
        Assert.That(sorted, Is.EqualTo(expected));
    }

    [Test]
    public void GroupByShufflesEveryKeyToOneGroup()
    {
        var words = Enumerable.Range(0, 500).Select(i => $"w{(i * 31) % 37}").ToArray();
        var groups = Bag.From(words, 6).GroupBy(w => w.Length + ":" + w, partitions: 4).Compute(On);
        var expected = words.GroupBy(w => w.Length + ":" + w).ToDictionary(g => g.Key, g => g.ToList());
        Assert.That(groups.Select(g => g.Key), Is.EquivalentTo(expected.Keys), "each key exactly once");
        foreach (var (key, items) in groups) Assert.That(items, Is.EqualTo(expected[key]), $"items of {key} in input order");
    }

    [Test]
    public void GroupByResultsKeepFusingAndReducing()
    {
        var sizes = Bag.From(Numbers, 5).GroupBy(x => x % 10).Map(g => (g.Key, g.Items.Count)).Compute(On);
        Assert.That(sizes.OrderBy(s => s.Key), Is.EqualTo(Numbers.GroupBy(x => x % 10).Select(g => (g.Key, g.Count())).OrderBy(s => s.Key)));
    }

    [Test]
    public void JoinMatchesLinqJoin()
    {
        var orders = Enumerable.Range(0, 300).Select(i => (Id: i, Customer: i % 17)).ToArray();
        var customers = Enumerable.Range(0, 20).Where(c => c != 5).Select(c => (Id: c, Name: $"c{c}")).ToArray();
        var joined = Bag.From(orders, 4).Join(Bag.From(customers, 3), o => o.Customer, c => c.Id, (o, c) => $"{o.Id}:{c.Name}").Compute(On);
        var expected = orders.Join(customers, o => o.Customer, c => c.Id, (o, c) => $"{o.Id}:{c.Name}");
        Assert.That(joined, Is.EquivalentTo(expected));
    }

    [Test]
    public void TakeComputesOnlyThePartitionsItNeeds()
    {
        var counter = new TaskCounter();
        var options = On with { Listeners = [counter] };
        var bag = Bag.From(Enumerable.Range(0, 100), 10).Map(x => x + 1);
        Assert.That(bag.Take(3, options), Is.EqualTo(new[] { 1, 2, 3 }));
        Assert.That(counter.Started, Is.EqualTo(1), "the first partition holds 10 elements");
        Assert.That(bag.Take(25, options), Is.EqualTo(Enumerable.Range(1, 25)));
        Assert.That(counter.Started, Is.EqualTo(1 + 3), "partition 0, then partitions 1 and 2");
        Assert.That(bag.Take(1000, options), Has.Count.EqualTo(100));
    }

    [Test]
    public void AnExceptionInALambdaNamesPartitionAndElement()
    {
        var bag = Bag.From(Enumerable.Range(0, 20), 4).Filter(x => x != 11).Map(x => x == 13 ? throw new FormatException("bad 13") : x);
        var e = Assert.Throws<TaskFailedException>(() => bag.Compute(On))!;
        var inner = e.InnerException as BagElementException;
        Assert.That(inner, Is.Not.Null, e.ToString());
        Assert.That(inner!.Partition, Is.EqualTo(2));
        Assert.That(inner.ElementIndex, Is.EqualTo(3), "13 is element 3 of partition 2 (10..14), counted before the filter");
        Assert.That(inner.Message, Does.Contain("element 3 of partition 2").And.Contain("bad 13"));
        Assert.That(inner.InnerException, Is.TypeOf<FormatException>());
        Assert.That(e.Key, Does.Contain("[2]"));
    }

    [Test]
    public void AnExceptionInAFoldNamesTheElementToo()
    {
        var e = Assert.Throws<TaskFailedException>(() => Bag.From(Enumerable.Range(0, 10), 2)
            .Fold(0, (acc, x) => x == 7 ? throw new ArithmeticException("seven") : acc + x, (a, b) => a + b).Compute(On))!;
        Assert.That(e.InnerException, Is.TypeOf<BagElementException>().With.Property("Partition").EqualTo(1).And.Property("ElementIndex").EqualTo(2));
    }

    [Test]
    public void ToTextWritesOneFilePerPartition()
    {
        var pattern = Path.Combine(_dir, "out-" + schedulerName, "part-*.txt");
        var written = Bag.From(Enumerable.Range(0, 10), 3).Map(x => $"line {x}").ToText(pattern).Compute(On);
        Assert.That(written.Select(Path.GetFileName), Is.EqualTo(new[] { "part-0.txt", "part-1.txt", "part-2.txt" }));
        var back = Bag.ReadText(Path.Combine(_dir, "out-" + schedulerName, "part-*.txt")).Compute(On);
        Assert.That(back, Is.EqualTo(Enumerable.Range(0, 10).Select(x => $"line {x}")));
    }

    [Test]
    public void ReadTextGivesEveryLineOnceForEveryBlockSize()
    {
        var lines = Enumerable.Range(0, 200).Select(i => i % 13 == 0 ? "" : $"ligne {i} é€😀 " + new string('x', i % 29)).ToArray();
        var path = Path.Combine(_dir, $"lines-{schedulerName}.txt");
        File.WriteAllText(path, string.Join("\n", lines) + "\n");
        foreach (var blockSize in new long[] { 1, 2, 3, 7, 64, 100, 1000, 4096, 1 << 20 })
            Assert.That(Bag.ReadText(path, blockSize).Compute(On), Is.EqualTo(lines), $"block size {blockSize}");
        var words = Bag.ReadText(path, 333).FlatMap(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries)).Count().Compute(On);
        Assert.That(words, Is.EqualTo(lines.Sum(l => l.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length)));
    }

    [Test]
    public void ReadTextHandlesCrLfBomAndAMissingLastNewline()
    {
        var path = Path.Combine(_dir, $"crlf-{schedulerName}.txt");
        File.WriteAllBytes(path, [0xEF, 0xBB, 0xBF, .. "first\r\nsecond\r\n\r\nlast"u8]);
        foreach (var blockSize in new long[] { 1, 5, 9, 1024 })
            Assert.That(Bag.ReadText(path, blockSize).Compute(On), Is.EqualTo(new[] { "first", "second", "", "last" }), $"block size {blockSize}");
    }

    [Test]
    public void InvalidUtf8IsReportedWithFileAndByteOffsetOrReplaced()
    {
        var path = Path.Combine(_dir, $"bad-{schedulerName}.txt");
        byte[] bytes = [.. "good line\nstill good\nbad "u8, 0xC3, 0x28, .. " here\nafter\n"u8];
        File.WriteAllBytes(path, bytes);
        int badOffset = "good line\nstill good\nbad ".Length;
        var e = Assert.Throws<TaskFailedException>(() => Bag.ReadText(path, 8).Compute(On))!;
        var inner = e.InnerException as InvalidUtf8Exception;
        Assert.That(inner, Is.Not.Null, e.ToString());
        Assert.That(inner!.Path, Is.EqualTo(Path.GetFullPath(path)));
        Assert.That(inner.ByteOffset, Is.EqualTo(badOffset));
        Assert.That(inner.Message, Does.Contain(path).And.Contain($"byte offset {badOffset}"));

        var replaced = Bag.ReadText(path, 8, InvalidUtf8Handling.Replace).Compute(On);
        Assert.That(replaced, Is.EqualTo(new[] { "good line", "still good", "bad \uFFFD( here", "after" }));
    }

    [Test]
    public void ResultsDoNotDependOnPartitioning()
    {
        var text = string.Join(" ", Numbers.Select(n => $"w{n % 50}"));
        var counts = Enumerable.Range(1, 5).Select(p => Bag.From(text.Split(' '), p * 3).Frequencies(sort: true).Take(5, On)).ToList();
        foreach (var c in counts) Assert.That(c, Is.EqualTo(counts[0]));
    }

    [Test]
    public void ReadmeTextPreprocessingExampleRuns()
    {
        var dir = Path.Combine(_dir, "readme-" + schedulerName);
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "stopwords.txt"), "the\na\nof\n");
        File.WriteAllLines(Path.Combine(dir, "docs.txt"), Enumerable.Range(0, 50).Select(i => string.Join(" ", Enumerable.Repeat($"The Word{i} of a text", 300))));

        var chunker = new TokenChunker(StopwordSet.Load(Path.Combine(dir, "stopwords.txt")), chunkTokens: 512);
        var pieces = Bag.ReadText(Path.Combine(dir, "docs.txt"), blockSize: 4 << 10)
            .Map(chunker.Chunk)
            .FlatMap(doc => doc.Chunks);
        var files = pieces.ToText(Path.Combine(dir, "out", "pieces-*.txt")).Compute(On);
        long n = pieces.Count().Compute(On);

        Assert.That(n, Is.EqualTo(50 * 2), "600 kept tokens per document: one chunk of 512 and one of 88");
        Assert.That(files, Has.Length.EqualTo(pieces.PartitionCount));
        var first = File.ReadLines(files[0]).First();
        Assert.That(first.Split(' '), Has.Length.EqualTo(512));
        Assert.That(first, Does.StartWith("word0 text word0 text"));
    }

    private sealed class TaskCounter : IComputeListener
    {
        private int _started;
        public int Started => Volatile.Read(ref _started);
        public void OnTaskStarted(ExecutionPlan plan, int node, string worker) => Interlocked.Increment(ref _started);
    }
}
