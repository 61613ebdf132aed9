using static TaskGraph.Frames.Agg;
using static TaskGraph.Frames.Expr;

namespace TaskGraph.Tests.Keys;

/// <summary>
/// Helpers for the key properties every collection must have: a key covers every parameter that changes a result
/// (changing any one changes the key), the same expression built twice gives the same keys, and near-identical
/// expressions computed together give the same results as computed apart (no two computations share a key).
/// </summary>
internal static class KeyAssert
{
    /// <summary>Every variant has a key of its own (each differs from the first in one parameter).</summary>
    public static void AllDistinct(params (string Variant, TaskKey Key)[] variants)
    {
        for (int i = 0; i < variants.Length; i++)
            for (int j = 0; j < i; j++)
                Assert.That(variants[i].Key, Is.Not.EqualTo(variants[j].Key), $"'{variants[i].Variant}' and '{variants[j].Variant}' share the key {variants[i].Key}");
    }

    /// <summary>Building the expression twice gives equal keys, for each expression.</summary>
    public static void SameTwice(params (string Expression, Func<TaskKey> Build)[] expressions)
    {
        foreach (var (name, build) in expressions)
            Assert.That(build(), Is.EqualTo(build()), $"'{name}' built twice gives two keys");
    }

    /// <summary>Computes the two values together and apart; each together-result must equal its apart-result.</summary>
    public static void TogetherAsApart<T>(Delayed<T> a, Delayed<T> b, Func<T, T, bool> equal, string label)
    {
        var (ta, tb) = Delayed.Compute(a, b, new ComputeOptions { Scheduler = Scheduler.Synchronous });
        var sa = a.Compute(Scheduler.Synchronous);
        var sb = b.Compute(Scheduler.Synchronous);
        Assert.That(equal(ta, sa), Is.True, $"{label}: the first value differs when computed with the second");
        Assert.That(equal(tb, sb), Is.True, $"{label}: the second value differs when computed with the first");
    }
}

/// <summary>Delayed values: keys cover functions with their captures and every argument; names are readable and explicit names exact.</summary>
public class DelayedKeyTests
{
    private static int Add(int a, int b) => a + b;

    [Test]
    public void ChangingAnyOneParameterChangesTheKey()
    {
        var one = Delayed.Value(1);
        KeyAssert.AllDistinct(
            ("add(1, 2)", Delayed.Combine<int, int, int>(one, 2, Add).Key),
            ("add(1, 3)", Delayed.Combine<int, int, int>(one, 3, Add).Key),
            ("add(2, 2)", Delayed.Combine<int, int, int>(Delayed.Value(2), 2, Add).Key),
            ("add(2L, 2) via another literal type", Delayed.Combine<long, int, long>(Delayed.Value(1L), 2, (a, b) => a + b).Key),
            ("mul(1, 2)", Delayed.Combine<int, int, int>(one, 2, (a, b) => a * b).Key),
            ("closure k=1", one.Then(AddK(1)).Key),
            ("closure k=2", one.Then(AddK(2)).Key),
            ("value [1, 2]", Delayed.Value(new List<int> { 1, 2 }).Key),
            ("value [2, 1]", Delayed.Value(new List<int> { 2, 1 }).Key));
    }

    private static Func<int, int> AddK(int k) => x => x + k;

    [Test]
    public void TheSameExpressionBuiltTwiceGivesTheSameKeys()
    {
        KeyAssert.SameTwice(
            ("add", () => Delayed.Combine<int, int, int>(Delayed.Value(1), 2, Add).Key),
            ("closure", () => Delayed.Value(1).Then(AddK(5)).Key),
            ("dictionary literal", () => Delayed.Value(new Dictionary<string, int> { ["a"] = 1, ["b"] = 2 }).Then(d => d.Count).Key),
            ("all", () => Delayed.All(Enumerable.Range(0, 5).Select(i => Delayed.Value(i).Then(AddK(i)))).Key));
        Assert.That(Delayed.Value(new Dictionary<string, int> { ["b"] = 2, ["a"] = 1 }).Key,
            Is.EqualTo(Delayed.Value(new Dictionary<string, int> { ["a"] = 1, ["b"] = 2 }).Key), "insertion order does not count");
    }

    [Test]
    public void RandomNearIdenticalPairsComputedTogetherGiveTheirSeparateResults([Values(1, 2, 3)] int seed)
    {
        var rnd = new Random(seed);
        for (int round = 0; round < 20; round++)
        {
            int x = rnd.Next(100), k = rnd.Next(5), dk = 1 + rnd.Next(3);
            var a = Delayed.Value(x).Then(AddK(k)).Then(AddK(k));
            var b = rnd.Next(3) switch
            {
                0 => Delayed.Value(x).Then(AddK(k + dk)).Then(AddK(k)),
                1 => Delayed.Value(x + dk).Then(AddK(k)).Then(AddK(k)),
                _ => Delayed.Combine<int, int, int>(Delayed.Value(x).Then(AddK(k)), k + dk, Add),
            };
            KeyAssert.TogetherAsApart(a, b, (p, q) => p == q, $"round {round}");
        }
    }

    [Test]
    public void LocalFunctionsAreNamedByTheirOwnName()
    {
        static int Parse(string s) => int.Parse(s);
        var d = Delayed.Wrap<string, int>(Parse)("12");
        Assert.That(d.Key.Name, Is.EqualTo("Parse"));
        Assert.That(d.Spec.Function!.ToString(), Does.EndWith("Parse").And.Not.Contain("<"));
        // The compiler's names, as they appear in a program's top-level statements and in methods.
        Assert.That(TaskFunction.NameOf("<<Main>$>g__Parse|0_0"), Is.EqualTo("Parse"));
        Assert.That(TaskFunction.NameOf("<Run>g__Parse|3_1"), Is.EqualTo("Parse"));
        Assert.That(TaskFunction.NameOf("<<Main>$>b__0_0"), Is.EqualTo("Main.lambda"));
        Assert.That(TaskFunction.NameOf("<Run>b__2_0"), Is.EqualTo("Run.lambda"));
        Assert.That(TaskFunction.NameOf("Inc"), Is.EqualTo("Inc"));
    }

    [Test]
    public void ALocalFunctionsFailureNamesIt()
    {
        static int Parse(string s) => int.Parse(s);
        var e = Assert.Throws<TaskFailedException>(() => Delayed.Wrap<string, int>(Parse)("x").Compute(Scheduler.Synchronous))!;
        Assert.That(e.Message, Does.Contain("Parse").And.Not.Contain("lambda").And.Not.Contain("<"));
    }

    [Test]
    public void ALocalFunctionIsNamedInProfiles()
    {
        static int Parse(string s) => int.Parse(s);
        using var prof = new Profiler();
        Delayed.Wrap<string, int>(Parse)("12").Compute(Scheduler.Synchronous);
        Assert.That(prof.Report().Functions.Select(f => f.Function), Is.EquivalentTo(new[] { "Parse" }));
    }

    [Test]
    public void APersistedNamedValueJoinsItsOriginal()
    {
        var x = Delayed.Value(1, name: "P");
        var p = x.Persist(Scheduler.Synchronous).Value;
        Assert.That(p.Key.ToString(), Is.EqualTo("P"));
        Assert.That(Delayed.Compute(p.Then(v => v + 1), x.Then(v => v + 2), new ComputeOptions { Scheduler = Scheduler.Synchronous }), Is.EqualTo((2, 3)));
        Assert.That(Delayed.Compute(x.Then(v => v + 1), p.Then(v => v + 2), new ComputeOptions { Scheduler = Scheduler.Synchronous }), Is.EqualTo((2, 3)));
    }

    [Test]
    public void AnExplicitNameIsTheKeyExactly()
    {
        // dask: delayed(1, name="X").key == "X"
        var x = Delayed.Value(1, name: "X");
        Assert.That(x.Key.ToString(), Is.EqualTo("X"));
        Assert.That(x.Key, Is.EqualTo(TaskKey.Named("X")));
        Assert.That(x.Then(v => v + 1).Compute(Scheduler.Synchronous), Is.EqualTo(2));
        // The same value under the same name is one task; the name derived from a call is a prefix (name-token).
        Assert.That(Delayed.Combine(x, Delayed.Value(1, name: "X"), Add).Compute(Scheduler.Synchronous), Is.EqualTo(2));
        Assert.That(Delayed.Run(() => 1, name: "load").Key.ToString(), Does.StartWith("load-"));
    }

    [Test]
    public void TwoValuesUnderOneExplicitNameAreAnError()
    {
        var a = Delayed.Value(1, name: "X");
        var b = Delayed.Value(2, name: "X");
        var e = Assert.Throws<InvalidOperationException>(() => Delayed.Compute(a, b, new ComputeOptions { Scheduler = Scheduler.Synchronous }))!;
        Assert.That(e.Message, Does.Contain("'X'").And.Contain("Int32 1").And.Contain("Int32 2"));
    }

    [Test]
    public void AFieldPathIsPrintedOnce()
    {
        var spec = Delayed.Value(1).Then(v => v + 1).Spec;
        var cause = new TaskGraph.Wire.WireException("System.IO.Stream cannot cross a process boundary", "target.sq");
        var e = TaskGraph.Wire.SendFailure.For(spec, cause);
        var text = e.InnerException!.Message;
        Assert.That(text.Split("(at 'target.sq')").Length - 1, Is.EqualTo(1), text);
        Assert.That(((TaskGraph.Wire.WireException)e.InnerException).Path, Is.EqualTo("target.sq"));
    }
}

/// <summary>Bags: every reduction, shuffle and output covers its seed, functions, split_every and partition counts.</summary>
public class BagKeyTests
{
    private static Bag<int> Numbers(int n = 10, int parts = 3) => Bag.From(Enumerable.Range(1, n), parts);

    private static int Plus(int a, int b) => a + b;

    [Test]
    public void FoldsWithDifferentSeedsComputedTogetherKeepTheirSeeds()
    {
        // The case: the seed starts every partition (3 here), so seed 10 adds 30.
        var bag = Bag.From([2, 4, 6, 8, 10], 3);
        var (a, b) = Delayed.Compute(bag.Fold(0, Plus, Plus), bag.Fold(10, Plus, Plus), new ComputeOptions { Scheduler = Scheduler.Synchronous });
        Assert.That((a, b), Is.EqualTo((30, 60)));
    }

    [Test]
    public void ChangingAnyOneParameterChangesTheKey()
    {
        var bag = Numbers();
        KeyAssert.AllDistinct(
            ("fold seed 0", bag.Fold(0, Plus, Plus).Key),
            ("fold seed 10", bag.Fold(10, Plus, Plus).Key),
            ("fold add", bag.Fold(0, (a, x) => a + 2 * x, Plus).Key),
            ("fold combine", bag.Fold(0, Plus, Math.Max).Key),
            ("fold split_every 2", bag.Fold(0, Plus, Plus, splitEvery: 2).Key),
            ("aggregate", bag.Aggregate(p => p.Sum(), s => s.Sum()).Key),
            ("aggregate split_every 2", bag.Aggregate(p => p.Sum(), s => s.Sum(), splitEvery: 2).Key),
            ("aggregate other per-partition", bag.Aggregate(p => p.Count, s => s.Sum()).Key),
            ("count", bag.Count().Key),
            ("sum", bag.Sum().Key),
            ("mean", bag.Mean().Key),
            ("min", bag.Min().Key),
            ("max", bag.Max().Key),
            ("map +1 then fold", bag.Map(AddK(1)).Fold(0, Plus, Plus).Key),
            ("map +2 then fold", bag.Map(AddK(2)).Fold(0, Plus, Plus).Key),
            ("filter then fold", bag.Filter(x => x > 2).Fold(0, Plus, Plus).Key),
            ("distinct", bag.Distinct().ToDelayed().Key),
            ("distinct split_every 2", bag.Distinct(splitEvery: 2).ToDelayed().Key),
            ("frequencies", bag.Frequencies().ToDelayed().Key),
            ("frequencies sorted", bag.Frequencies(sort: true).ToDelayed().Key),
            ("frequencies split_every 2", bag.Frequencies(splitEvery: 2).ToDelayed().Key),
            ("groupby %2", bag.GroupBy(x => x % 2).ToDelayed().Key),
            ("groupby %3", bag.GroupBy(x => x % 3).ToDelayed().Key),
            ("groupby %2 in 2 partitions", bag.GroupBy(x => x % 2, partitions: 2).ToDelayed().Key),
            ("join", bag.Join(bag, x => x, y => y, (x, y) => x + y).ToDelayed().Key),
            ("join other result", bag.Join(bag, x => x, y => y, (x, y) => x * y).ToDelayed().Key),
            ("join other right key", bag.Join(bag, x => x, y => y + 1, (x, y) => x + y).ToDelayed().Key),
            ("join 2 partitions", bag.Join(bag, x => x, y => y, (x, y) => x + y, partitions: 2).ToDelayed().Key),
            ("foldby %2", bag.FoldBy(x => x % 2, 0, Plus, Plus).ToDelayed().Key),
            ("foldby %3", bag.FoldBy(x => x % 3, 0, Plus, Plus).ToDelayed().Key),
            ("foldby seed 1", bag.FoldBy(x => x % 2, 1, Plus, Plus).ToDelayed().Key),
            ("foldby other binop", bag.FoldBy(x => x % 2, 0, (a, x) => a + 2 * x, Plus).ToDelayed().Key),
            ("foldby other combine", bag.FoldBy(x => x % 2, 0, Plus, Math.Max).ToDelayed().Key),
            ("foldby split_every 2", bag.FoldBy(x => x % 2, 0, Plus, Plus, splitEvery: 2).ToDelayed().Key),
            ("foldby one function", bag.FoldBy(x => x % 2, Plus).ToDelayed().Key),
            ("topk 2", bag.TopK(2).ToDelayed().Key),
            ("topk 3", bag.TopK(3).ToDelayed().Key),
            ("topk 2 key", bag.TopK(2, x => -x).ToDelayed().Key),
            ("topk 2 split_every 2", bag.TopK(2, splitEvery: 2).ToDelayed().Key),
            ("pluck 0", Bag.From([new[] { 1, 2 }]).Pluck(0).ToDelayed().Key),
            ("pluck 1", Bag.From([new[] { 1, 2 }]).Pluck(1).ToDelayed().Key),
            ("pluck 1 default 0", Bag.From([new[] { 1, 2 }]).Pluck(1, 0).ToDelayed().Key),
            ("pluck 1 default 9", Bag.From([new[] { 1, 2 }]).Pluck(1, 9).ToDelayed().Key),
            ("any > 2", bag.Any(x => x > 2).Key),
            ("any > 3", bag.Any(x => x > AddK(1)(2)).Key),
            ("all > 2", bag.All(x => x > 2).Key),
            ("var", bag.Var().Key),
            ("var ddof 1", bag.Var(ddof: 1).Key),
            ("std", bag.Std().Key),
            ("std ddof 1", bag.Std(ddof: 1).Key),
            ("distinct by %2", bag.DistinctBy(x => x % 2).ToDelayed().Key),
            ("distinct by %3", bag.DistinctBy(x => x % 3).ToDelayed().Key),
            ("distinct by %2 split_every 2", bag.DistinctBy(x => x % 2, splitEvery: 2).ToDelayed().Key),
            ("accumulate +", bag.Accumulate(Plus).ToDelayed().Key),
            ("accumulate max", bag.Accumulate(Math.Max).ToDelayed().Key),
            ("accumulate + initial 0", bag.Accumulate(0, Plus).ToDelayed().Key),
            ("accumulate + initial -1", bag.Accumulate(-1, Plus).ToDelayed().Key),
            ("other source", Numbers(11).Fold(0, Plus, Plus).Key),
            ("other partitioning", Numbers(10, 4).Fold(0, Plus, Plus).Key));
        // Every level of a tree reduction has its own keys: split_every shapes the levels.
        var tree2 = ExecutionPlan.Compile([Numbers(40, 16).Fold(0, Plus, Plus, splitEvery: 2).Spec], fuse: false);
        var tree4 = ExecutionPlan.Compile([Numbers(40, 16).Fold(0, Plus, Plus, splitEvery: 4).Spec], fuse: false);
        var keys2 = Enumerable.Range(0, tree2.TaskCount).Select(i => tree2.KeyOf(i)).Where(k => k.Name.Contains("combine")).ToHashSet();
        Assert.That(Enumerable.Range(0, tree4.TaskCount).Select(i => tree4.KeyOf(i)).Where(keys2.Contains), Is.Empty);
    }

    private static Func<int, int> AddK(int k) => x => x + k;

    [Test]
    public void TheSameExpressionBuiltTwiceGivesTheSameKeys()
    {
        KeyAssert.SameTwice(
            ("fold", () => Numbers().Map(AddK(3)).Fold(5, Plus, Plus, splitEvery: 3).Key),
            ("frequencies", () => Numbers().Frequencies(sort: true).ToDelayed().Key),
            ("groupby", () => Numbers().GroupBy(x => x % 3, partitions: 2).ToDelayed().Key),
            ("join", () => Numbers().Join(Numbers(5), x => x, y => y, (x, y) => x - y).ToDelayed().Key),
            ("distinct", () => Numbers().Map(x => x % 4).Distinct(splitEvery: 2).ToDelayed().Key),
            ("foldby", () => Numbers().FoldBy(x => x % 3, 0, Plus, Plus).ToDelayed().Key),
            ("topk", () => Numbers().TopK(3, x => -x).ToDelayed().Key),
            ("var", () => Numbers().Var(ddof: 1).Key),
            ("distinct by", () => Numbers().DistinctBy(x => x % 3).ToDelayed().Key),
            ("accumulate", () => Numbers().Accumulate(5, Plus).ToDelayed().Key));
    }

    [Test]
    public void RandomNearIdenticalPairsComputedTogetherGiveTheirSeparateResults([Values(1, 2, 3)] int seed)
    {
        var rnd = new Random(seed);
        for (int round = 0; round < 15; round++)
        {
            var bag = Numbers(rnd.Next(1, 60), rnd.Next(1, 9));
            int s = rnd.Next(5), k = rnd.Next(5), every = rnd.Next(2, 5);
            var a = bag.Map(AddK(k)).Fold(s, Plus, Plus, splitEvery: every);
            var b = rnd.Next(4) switch
            {
                0 => bag.Map(AddK(k)).Fold(s + 1, Plus, Plus, splitEvery: every),
                1 => bag.Map(AddK(k + 1)).Fold(s, Plus, Plus, splitEvery: every),
                2 => bag.Map(AddK(k)).Fold(s, Plus, Plus, splitEvery: every + 1),
                _ => bag.Map(AddK(k)).Fold(s, (acc, x) => acc + x * 2, Plus, splitEvery: every),
            };
            KeyAssert.TogetherAsApart(a, b, (p, q) => p == q, $"round {round}");
            var fa = bag.Map(x => x % (k + 2)).Frequencies(sort: false).ToDelayed();
            var fb = bag.Map(x => x % (k + 2)).Frequencies(sort: true).ToDelayed();
            KeyAssert.TogetherAsApart(fa, fb, (p, q) => p.SequenceEqual(q), $"frequencies round {round}");
        }
    }
}

/// <summary>Arrays: every layer covers its operation, axes, ddof, split_every, chunks, slices, dtype and seeds.</summary>
public class ArrayKeyTests
{
    private static NdArray<double> X(int rows = 12, int cols = 8, int chunk = 4)
        => NdArray.FromArray(Enumerable.Range(0, rows * cols).Select(i => (double)(i % 7) - 2.5).ToArray(), [rows, cols], [chunk, chunk]);

    private static TaskKey K<E>(NdArray<E> a) where E : unmanaged => a.ToDelayed().Key;

    [Test]
    public void ChangingAnyOneParameterChangesTheKey()
    {
        var x = X();
        KeyAssert.AllDistinct(
            ("sum", K(x.Sum())),
            ("sum axis 0", K(x.Sum(0))),
            ("sum axis 1", K(x.Sum(1))),
            ("sum split_every 2", K(x.Sum(null, splitEvery: 2))),
            ("min", K(x.Min())),
            ("max", K(x.Max())),
            ("mean", K(x.Mean())),
            ("var", K(x.Var())),
            ("var ddof 1", K(x.Var(ddof: 1))),
            ("std", K(x.Std())),
            ("std ddof 1", K(x.Std(ddof: 1))),
            ("argmax axis 0", K(x.ArgMax(0))),
            ("argmax axis 1", K(x.ArgMax(1))),
            ("argmin axis 0", K(x.ArgMin(0))),
            ("x + 1", K(x + 1)),
            ("x + 2", K(x + 2)),
            ("x * 2", K(x * 2)),
            ("as float", K(x.AsType<float>())),
            ("as long", K(x.AsType<long>())),
            ("rechunk 6", K(x.Rechunk(6, 4))),
            ("rechunk 3", K(x.Rechunk(3, 4))),
            ("rows 0..6", K(x[0..6, Sel.All])),
            ("rows 1..7", K(x[1..7, Sel.All])),
            ("rows 0..6 step 2", K(x[Sel.Slice(0, 6, 2), Sel.All])),
            ("row 3", K(x[3, Sel.All])),
            ("transpose", K(x.T)),
            ("reshape 8x12", K(x.Rechunk(12, 8).Reshape(8, 12))),
            ("reshape 24x4", K(x.Rechunk(12, 8).Reshape(24, 4))),
            ("diagonal", K(x.Diagonal())),
            ("diagonal offset 1", K(x.Diagonal(1))),
            ("matmul", K(x.MatMul(x.T))),
            ("matmul split_every 2", K(x.MatMul(x.T, splitEvery: 2))),
            ("concatenate axis 0", K(NdArray.Concatenate([x, x], 0))),
            ("concatenate axis 1", K(NdArray.Concatenate([x, x], 1))),
            ("map blocks +1", K(x.MapBlocks(AddK(1)))),
            ("map blocks +2", K(x.MapBlocks(AddK(2)))),
            ("other data", K(NdArray.FromArray(new double[96], [12, 8], [4, 4]))),
            ("other chunks", K(X(12, 8, 6))),
            ("random seed 1", K(NdArray.Random([12, 8], [4, 4], 1))),
            ("random seed 2", K(NdArray.Random([12, 8], [4, 4], 2))),
            ("full 1", K(NdArray.Full([12, 8], [4, 4], 1.0))),
            ("full 2", K(NdArray.Full([12, 8], [4, 4], 2.0))),
            ("full 1 as int", K(NdArray.Full([12, 8], [4, 4], 1))));
    }

    private static Func<DenseArray<double>, DenseArray<double>> AddK(double k)
        => b => new DenseArray<double>(b.Data.Select(v => v + k).ToArray(), b.Shape);

    [Test]
    public void TheSameExpressionBuiltTwiceGivesTheSameKeys()
    {
        KeyAssert.SameTwice(
            ("reduction", () => K((X() * 2 + 1).Var([0], ddof: 1, splitEvery: 3))),
            ("slice and matmul", () => K(X()[2..10, Sel.All].MatMul(X().T[Sel.All, 2..10]))),
            ("random", () => K(NdArray.Random([30, 30], [10, 10], 7).Mean(0))),
            ("map blocks", () => K(X().MapBlocks(AddK(1.5)).Sum())));
    }

    [Test]
    public void RandomNearIdenticalPairsComputedTogetherGiveTheirSeparateResults([Values(1, 2, 3)] int seed)
    {
        var rnd = new Random(seed);
        for (int round = 0; round < 10; round++)
        {
            var x = X(rnd.Next(2, 14), rnd.Next(2, 10), rnd.Next(1, 5));
            double c = rnd.Next(4);
            int axis = rnd.Next(2), every = rnd.Next(2, 5);
            var a = (x + c).Sum([axis], splitEvery: every);
            var b = rnd.Next(4) switch
            {
                0 => (x + (c + 1)).Sum([axis], splitEvery: every),
                1 => (x + c).Sum([1 - axis], splitEvery: every),
                2 => (x + c).Sum([axis], splitEvery: every + 1),
                _ => (x + c).Var([axis], ddof: 1, splitEvery: every),
            };
            KeyAssert.TogetherAsApart(a.ToDelayed(), b.ToDelayed(), (p, q) => p.Data.SequenceEqual(q.Data) && p.Shape.SequenceEqual(q.Shape), $"round {round}");
        }
    }
}

/// <summary>
/// Frames: plan nodes have deterministic identities, so the same plan built twice collapses, and every parameter
/// (predicates, expressions, keys, aggregations, split_every, join type, suffixes, sort order, reader options, the
/// file's length and last-write time) is in the keys.
/// </summary>
public class FrameKeyTests : TaskGraph.Tests.Frames.TempFileTests
{
    private string Csv(string name = "t.csv", int rows = 40)
        => Write(name, "k,v,w\n" + string.Concat(Enumerable.Range(0, rows).Select(i => $"k{i % 5},{i % 9},{i * 0.5}\n")));

    private static TaskKey K(Frame f) => f.ToDelayed().Key;

    [Test]
    public void ChangingAnyOneParameterChangesTheKey()
    {
        var path = Csv();
        var f = Frame.ReadCsv(path, blockSize: 128);
        var other = Frame.ReadCsv(Csv("o.csv", 10), blockSize: 128);
        KeyAssert.AllDistinct(
            ("read", K(f)),
            ("read other block size", K(Frame.ReadCsv(path, blockSize: 256))),
            ("read skipping bad lines", K(Frame.ReadCsv(path, blockSize: 128, new CsvOptions { SkipBadLines = true }))),
            ("read null text", K(Frame.ReadCsv(path, blockSize: 128, new CsvOptions { NullText = "NA" }))),
            ("filter v > 3", K(f.Filter(Col("v") > 3))),
            ("filter v > 4", K(f.Filter(Col("v") > 4))),
            ("filter w > 3", K(f.Filter(Col("w") > 3))),
            ("filter v >= 3", K(f.Filter(Col("v") >= 3))),
            ("filter v > 3L", K(f.Filter(Col("v") > 3L))),
            ("with column", K(f.WithColumn("x", Col("v") * 2))),
            ("with column * 3", K(f.WithColumn("x", Col("v") * 3))),
            ("select v", K(f.Select("v"))),
            ("select w", K(f.Select("w"))),
            ("map partitions", K(f.MapPartitions(Head(1)))),
            ("map partitions other constant", K(f.MapPartitions(Head(2)))),
            ("groupby k sum", K(f.GroupBy("k").Agg(Sum("v")))),
            ("groupby k mean", K(f.GroupBy("k").Agg(Mean("v")))),
            ("groupby k sum w", K(f.GroupBy("k").Agg(Sum("w")))),
            ("groupby k sum named", K(f.GroupBy("k").Agg(Sum("v", "total")))),
            ("groupby v sum", K(f.GroupBy("v").Agg(Sum("w")))),
            ("groupby custom + 0", K(f.GroupBy("k").Agg(Custom<double, double>("v", "c", c => c.Length, (a, b) => a + b, Plus(0))))),
            ("groupby custom + 1", K(f.GroupBy("k").Agg(Custom<double, double>("v", "c", c => c.Length, (a, b) => a + b, Plus(1))))),
            ("groupby split_every 2", K(f.GroupBy("k").SplitEvery(2).Agg(Sum("v")))),
            ("groupby split_out 2", K(f.GroupBy("k").SplitOut(2).Agg(Sum("v")))),
            ("sort v", K(f.SortBy("v"))),
            ("sort v desc", K(f.SortBy("v", descending: true))),
            ("sort w", K(f.SortBy("w"))),
            ("drop duplicates", K(f.DropDuplicates())),
            ("drop duplicates k", K(f.DropDuplicates("k"))),
            ("repartition 2", K(f.Repartition(2))),
            ("repartition 3", K(f.Repartition(3))),
            ("merge inner", K(f.Merge(other, on: ["k"]))),
            ("merge left", K(f.Merge(other, on: ["k"], how: JoinType.Left))),
            ("merge suffixes", K(f.Merge(other, on: ["k"], suffixes: ("_l", "_r")))),
            ("merge on k, v", K(f.Merge(other, on: ["k", "v"]))),
            ("merge hash", K(f.Merge(other, on: ["k"], broadcastMaxPartitions: 0, partitions: 2))));
    }

    private static Func<Table, Table> Head(int n) => t => t.Head(n);

    private static Func<double, double> Plus(double k) => s => s + k;

    [Test]
    public void TheSameExpressionBuiltTwiceGivesTheSameKeys()
    {
        var path = Csv();
        var other = Csv("o.csv", 10);
        KeyAssert.SameTwice(
            ("read", () => K(Frame.ReadCsv(path, blockSize: 128))),
            ("filter and column", () => K(Frame.ReadCsv(path, blockSize: 128).Filter(Col("v") > 2 & Col("k") != "k1").WithColumn("x", Col("w") / 2))),
            ("groupby", () => K(Frame.ReadCsv(path, blockSize: 128).GroupBy("k").SplitOut(2).Agg(Sum("v"), Mean("w"), Count()))),
            ("merge", () => K(Frame.ReadCsv(path, blockSize: 128).Merge(Frame.ReadCsv(other), on: ["k"], how: JoinType.Left))),
            ("sort", () => K(Frame.ReadCsv(path, blockSize: 128).SortBy(["k", "v"], [true, false]))),
            ("map partitions", () => K(Frame.ReadCsv(path, blockSize: 128).MapPartitions(Head(3)))),
            ("from delayed", () => K(Frame.FromDelayed([Delayed.Value(1).Then(_ => Table.Create(("a", Column.Of(new long[] { 1 }))))], Schema.Of(("a", ColumnType.Int64))))));
    }

    [Test]
    public void AFileRewrittenBetweenTwoBuildsGivesNewKeys()
    {
        var path = Csv();
        var before = K(Frame.ReadCsv(path, blockSize: 128));
        File.WriteAllText(path, File.ReadAllText(path) + "k9,1,1.5\n");
        Assert.That(K(Frame.ReadCsv(path, blockSize: 128)), Is.Not.EqualTo(before), "longer file");
        var same = K(Frame.ReadCsv(path, blockSize: 128));
        File.SetLastWriteTimeUtc(path, File.GetLastWriteTimeUtc(path).AddMinutes(-5));
        Assert.That(K(Frame.ReadCsv(path, blockSize: 128)), Is.Not.EqualTo(same), "same length, another last-write time");
    }

    [Test]
    public void RandomNearIdenticalPairsComputedTogetherGiveTheirSeparateResults([Values(1, 2)] int seed)
    {
        var rnd = new Random(seed);
        var path = Csv(rows: 60);
        for (int round = 0; round < 8; round++)
        {
            var f = Frame.ReadCsv(path, blockSize: rnd.Next(64, 400));
            int t = rnd.Next(8);
            var a = f.Filter(Col("v") > t).GroupBy("k").Agg(Sum("w"));
            var b = rnd.Next(4) switch
            {
                0 => f.Filter(Col("v") > t + 1).GroupBy("k").Agg(Sum("w")),
                1 => f.Filter(Col("v") >= t).GroupBy("k").Agg(Sum("w")),
                2 => f.Filter(Col("v") > t).GroupBy("k").SplitOut(2).Agg(Sum("w")),
                _ => f.Filter(Col("v") > t).GroupBy("k").Agg(Sum("v", "w_sum")),
            };
            KeyAssert.TogetherAsApart(a.ToDelayed(), b.ToDelayed(), (p, q) => p.ContentEqualsUnordered(q, 1e-9), $"round {round}");
        }
    }
}
