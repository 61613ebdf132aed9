namespace TaskGraph.Tests.Arrays;

/// <summary>Reductions, matmul, slicing and rechunking compared with naive loops on random shapes and chunkings, on every scheduler.</summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class ArrayReductionSuite(string schedulerName)
{
    private IScheduler _s = null!;

    [OneTimeSetUp]
    public void Create() => _s = SchedulerCases.Create(schedulerName);

    /// <summary>Reference reduction over <paramref name="axes"/>: groups elements by their kept coordinates.</summary>
    private static (int[] Shape, List<double>[] Groups, List<long>[] Pos) Group(double[] data, int[] shape, bool[] red, int argAxis)
    {
        var keep = Enumerable.Range(0, shape.Length).Where(a => !red[a]).ToArray();
        var oshape = keep.Select(a => shape[a]).ToArray();
        var groups = Enumerable.Range(0, (int)Ref.Size(oshape)).Select(_ => new List<double>()).ToArray();
        var pos = Enumerable.Range(0, groups.Length).Select(_ => new List<long>()).ToArray();
        for (long f = 0; f < data.Length; f++)
        {
            var idx = Ref.Index(shape, f);
            var o = Ref.Flat(oshape, keep.Select(a => idx[a]).ToArray());
            groups[o].Add(data[f]);
            pos[o].Add(argAxis < 0 ? f : idx[argAxis]);
        }
        return (oshape, groups, pos);
    }

    [Test]
    public void ReductionsMatchLoopsOnRandomChunkings()
    {
        var r = new System.Random(7);
        for (int t = 0; t < 25; t++)
        {
            var shape = Enumerable.Range(0, r.Next(1, 4)).Select(_ => r.Next(1, 7)).ToArray();
            var data = Ref.Rand(r, Ref.Size(shape));
            var x = NdArray.FromArray(data, shape, shape.Select(n => Ref.Chunks(r, n)).ToArray());
            var y = x * 1.0; // a fused program feeding the reduction
            var axes = Enumerable.Range(0, shape.Length).Where(_ => r.Next(2) == 0).ToArray();
            var red = Enumerable.Range(0, shape.Length).Select(a => axes.Length == 0 || axes.Contains(a)).ToArray();
            int split = r.Next(2, 5);
            var (oshape, groups, _) = Group(data, shape, red, -1);
            void Check(NdArray<double> got, Func<List<double>, double> want, string what)
            {
                var c = got.Compute(_s);
                Assert.That(c.Shape, Is.EqualTo(oshape), what);
                for (int o = 0; o < groups.Length; o++) Assert.That(c.Data[o], Is.EqualTo(want(groups[o])).Within(1e-9), $"{what} shape {string.Join(",", shape)} axes {string.Join(",", axes)}");
            }
            Check(y.Sum(axes, split), g => g.Sum(), "sum");
            Check(x.Min(axes, split), g => g.Min(), "min");
            Check(x.Max(axes, split), g => g.Max(), "max");
            Check(y.Mean(axes, split), g => g.Average(), "mean");
            Check(y.Var(axes, 0, split), g => g.Select(v => (v - g.Average()) * (v - g.Average())).Average(), "var");
            Check(x.Std(axes, 1, split), g => g.Count < 2 ? double.NaN : Math.Sqrt(g.Select(v => (v - g.Average()) * (v - g.Average())).Sum() / (g.Count - 1)), "std ddof 1");
            var anyGot = (x > 5.0).Any(axes, split).Compute(_s).Data;
            var allGot = (x > -9.0).All(axes, split).Compute(_s).Data;
            for (int o = 0; o < groups.Length; o++)
            {
                Assert.That(anyGot[o], Is.EqualTo(groups[o].Any(v => v > 5)));
                Assert.That(allGot[o], Is.EqualTo(groups[o].All(v => v > -9)));
            }
        }
    }

    [Test]
    public void ArgMinArgMaxMatchLoops()
    {
        var r = new System.Random(8);
        for (int t = 0; t < 20; t++)
        {
            var shape = Enumerable.Range(0, r.Next(1, 4)).Select(_ => r.Next(1, 6)).ToArray();
            var data = Ref.Rand(r, Ref.Size(shape)).Select(v => Math.Round(v)).ToArray(); // ties happen
            var x = NdArray.FromArray(data, shape, shape.Select(n => Ref.Chunks(r, n)).ToArray());
            Assert.That(x.ArgMin().Compute(_s).Scalar, Is.EqualTo(Array.IndexOf(data, data.Min())));
            Assert.That(x.ArgMax().Compute(_s).Scalar, Is.EqualTo(Array.IndexOf(data, data.Max())));
            int axis = r.Next(shape.Length);
            var red = Enumerable.Range(0, shape.Length).Select(a => a == axis).ToArray();
            var (_, groups, pos) = Group(data, shape, red, axis);
            var gmin = x.ArgMin(axis, 2).Compute(_s).Data;
            var gmax = (-x).ArgMax(axis, 3).Compute(_s).Data;
            for (int o = 0; o < groups.Length; o++)
            {
                int i = groups[o].IndexOf(groups[o].Min());
                Assert.That(gmin[o], Is.EqualTo(pos[o][i]));
                Assert.That(gmax[o], Is.EqualTo(pos[o][i]));
            }
        }
    }

    [Test]
    public void ReductionIsATree()
    {
        var x = NdArray.Random([64, 64], [8, 8], seed: 1);
        // 64 chunk tasks, split_every 4: 16 + 4 combines, then one final task.
        Assert.That(x.Sum([0, 1], 4).TaskCount, Is.EqualTo(64 + 16 + 4 + 1));
        Assert.That(x.Sum(0).NumBlocks, Is.EqualTo(new[] { 8 }));
        Assert.That(x.Sum().Compute(_s).Scalar, Is.EqualTo(x.Compute(_s).Data.Sum()).Within(1e-9));
    }

    [Test]
    public void MatMulMatchesLoops()
    {
        var r = new System.Random(9);
        for (int t = 0; t < 12; t++)
        {
            int m = r.Next(1, 30), k = r.Next(1, 30), n = r.Next(1, 30);
            var ad = Ref.Rand(r, m * k); var bd = Ref.Rand(r, k * n);
            var a = NdArray.FromArray(ad, [m, k], [Ref.Chunks(r, m), Ref.Chunks(r, k)]);
            var b = NdArray.FromArray(bd, [k, n], [Ref.Chunks(r, k), Ref.Chunks(r, n)]);
            // split_every 2: several accumulating groups per output block, then a tree; the default: one group.
            var c = a.MatMul(b, 2).Compute(_s);
            var whole = a.MatMul(b).Compute(_s);
            Assert.That(c.Shape, Is.EqualTo(new[] { m, n }));
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int p = 0; p < k; p++) s += ad[i * k + p] * bd[p * n + j];
                    Assert.That(c[i, j], Is.EqualTo(s).Within(1e-9));
                    Assert.That(whole[i, j], Is.EqualTo(s).Within(1e-9));
                }
        }
        // Integer blocks multiply in double and come back as their own type.
        var ai = NdArray.FromArray(new long[] { 1, 2, 3, 4, 5, 6 }, [2, 3], [1, 2]);
        var bi = NdArray.FromArray(new long[] { 7, 8, 9, 10, 11, 12 }, [3, 2], [2, 1]);
        Assert.That(ai.MatMul(bi).Compute(_s).Data, Is.EqualTo(new long[] { 58, 64, 139, 154 }));
        Assert.That(ai.MatMul(bi, 2).Compute(_s).Data, Is.EqualTo(new long[] { 58, 64, 139, 154 }));
        var ex = Assert.Throws<ArgumentException>(() => NdArray.Zeros<double>([3, 4], [2, 2]).MatMul(NdArray.Zeros<double>([5, 2], [2, 2])))!;
        StringAssert.Contains("(3, 4)", ex.Message);
        StringAssert.Contains("(5, 2)", ex.Message);
    }

    [Test]
    public void ManagedGemmMatchesLoops()
    {
        var r = new System.Random(10);
        foreach (var (m, n, k) in new[] { (1, 1, 1), (7, 17, 5), (37, 41, 300), (96, 16, 256), (100, 33, 513) })
        {
            var a = Ref.Rand(r, m * k); var b = Ref.Rand(r, k * n); var c = Ref.Rand(r, m * n);
            var want = (double[])c.Clone();
            for (int i = 0; i < m; i++) for (int j = 0; j < n; j++) for (int p = 0; p < k; p++) want[i * n + j] += a[i * k + p] * b[p * n + j];
            ManagedGemm.MultiplyAdd(m, n, k, a, b, c);
            Assert.That(c, Is.EqualTo(want).Within(1e-9), $"{m}x{n}x{k}");
        }
    }

    [Test]
    public void SlicingMatchesLoops()
    {
        var r = new System.Random(11);
        for (int t = 0; t < 30; t++)
        {
            var shape = Enumerable.Range(0, r.Next(1, 4)).Select(_ => r.Next(1, 8)).ToArray();
            var data = Ref.Rand(r, Ref.Size(shape));
            var x = NdArray.FromArray(data, shape, shape.Select(n => Ref.Chunks(r, n)).ToArray());
            var sel = new Sel[shape.Length];
            var pick = new List<int>[shape.Length];
            var dropped = new bool[shape.Length];
            for (int a = 0; a < shape.Length; a++)
            {
                if (r.Next(4) == 0) { int i = r.Next(shape[a]); sel[a] = i; pick[a] = [i]; dropped[a] = true; continue; }
                int lo = r.Next(shape[a] + 1), hi = r.Next(shape[a] + 1), st = r.Next(1, 4);
                sel[a] = Sel.Slice(lo, hi, st);
                pick[a] = Enumerable.Range(0, shape[a]).Where(i => i >= lo && i < hi && (i - lo) % st == 0).ToList();
            }
            var got = x[sel].Compute(_s);
            var wantShape = Enumerable.Range(0, shape.Length).Where(a => !dropped[a]).Select(a => pick[a].Count).ToArray();
            Assert.That(got.Shape, Is.EqualTo(wantShape));
            var want = new List<double>();
            void Walk(int a, long off)
            {
                if (a == shape.Length) { want.Add(data[off]); return; }
                foreach (var i in pick[a]) Walk(a + 1, off * shape[a] + i);
            }
            Walk(0, 0);
            Assert.That(got.Data, Is.EqualTo(want.ToArray()));
        }
        var y = NdArray.Zeros<double>([4, 5], [2, 2]);
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => _ = y[1, 5])!;
        StringAssert.Contains("axis 1 with size 5", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => y.Sum(2));
    }

    [Test]
    public void SlicingReadsOnlyNeededBlocks()
    {
        var x = NdArray.FromArray(new double[100], [100], [10]);
        Assert.That(x[Sel.Slice(12, 27)].TaskCount, Is.EqualTo(2 * 2), "two source blocks, two slice tasks");
        var m = NdArray.FromArray(Enumerable.Range(0, 12).Select(i => (double)i).ToArray(), [3, 4], [2, 3]);
        Assert.That(m[1].ToArray(_s), Is.EqualTo(new[] { 4.0, 5, 6, 7 }));
        Assert.That(m[1..3, 2..^0].ToArray(_s), Is.EqualTo(new[] { 6.0, 7, 10, 11 }));
        Assert.That(m[Sel.All, Sel.Slice(4, null)].Shape, Is.EqualTo(new[] { 3, 0 }));
    }

    [Test]
    public void RechunkPreservesValues()
    {
        var r = new System.Random(12);
        for (int t = 0; t < 15; t++)
        {
            var shape = Enumerable.Range(0, r.Next(1, 4)).Select(_ => r.Next(1, 9)).ToArray();
            var data = Ref.Rand(r, Ref.Size(shape));
            var x = NdArray.FromArray(data, shape, shape.Select(n => Ref.Chunks(r, n)).ToArray());
            var y = x.Rechunk(shape.Select(n => Ref.Chunks(r, n)).ToArray());
            Assert.That(y.Compute(_s).Data, Is.EqualTo(data));
            Assert.That(x.T.Rechunk(shape.Reverse().Select(n => Ref.Chunks(r, n)).ToArray()).Compute(_s).Data, Is.EqualTo(x.T.Compute(_s).Data));
        }
    }
}

/// <summary>Comparison kernels on every element type, including NaN and vector tails.</summary>
public class ArrayComparisonTests
{
    [Test]
    public void ComparisonsMatchScalarOperatorsOnEveryType()
    {
        var r = new System.Random(14);
        foreach (int n in new[] { 1, 7, 8, 31, 64, 100 })
        {
            var ad = Enumerable.Range(0, n).Select(_ => (double)r.Next(-3, 4)).ToArray();
            var bd = Enumerable.Range(0, n).Select(_ => (double)r.Next(-3, 4)).ToArray();
            ad[0] = double.NaN;
            var a = NdArray.FromArray(ad, [n], [5]);
            var b = NdArray.FromArray(bd, [n], [5]);
            var s = Scheduler.Synchronous;
            Assert.That((a < b).ToArray(s), Is.EqualTo(ad.Zip(bd, (x, y) => x < y)));
            Assert.That((a >= b).ToArray(s), Is.EqualTo(ad.Zip(bd, (x, y) => x >= y)));
            Assert.That(a.Ne(b).ToArray(s), Is.EqualTo(ad.Zip(bd, (x, y) => x != y)));
            Assert.That((a.AsType<float>() > 1f).ToArray(s), Is.EqualTo(ad.Select(x => (float)x > 1f)));
            Assert.That(b.AsType<int>().Eq(b.AsType<int>().T).ToArray(s), Is.EqualTo(Enumerable.Repeat(true, n)));
            Assert.That((b.AsType<long>() <= 0L).ToArray(s), Is.EqualTo(bd.Select(x => x <= 0)));
        }
    }
}
