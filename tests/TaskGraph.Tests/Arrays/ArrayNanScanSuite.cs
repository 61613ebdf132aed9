namespace TaskGraph.Tests.Arrays;

/// <summary>
/// NaN-skipping reductions, Prod, CumSum/CumProd across blocks, the new elementwise functions and Norm, compared with
/// naive loops on random shapes and chunkings and with values from NumPy's documentation, on every scheduler.
/// </summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class ArrayNanScanSuite(string schedulerName)
{
    private IScheduler _s = null!;

    [OneTimeSetUp]
    public void Create() => _s = SchedulerCases.Create(schedulerName);

    /// <summary>The elements of each output position of a reduction over <paramref name="red"/>, with their index along <paramref name="argAxis"/> (-1: flat).</summary>
    private static List<(double V, long I)>[] Groups(double[] data, int[] shape, bool[] red, int argAxis = -1)
    {
        var keep = Enumerable.Range(0, shape.Length).Where(a => !red[a]).ToArray();
        var oshape = keep.Select(a => shape[a]).ToArray();
        var groups = Enumerable.Range(0, (int)Ref.Size(oshape)).Select(_ => new List<(double, long)>()).ToArray();
        for (long f = 0; f < data.Length; f++)
        {
            var idx = Ref.Index(shape, f);
            groups[Ref.Flat(oshape, keep.Select(a => idx[a]).ToArray())].Add((data[f], argAxis < 0 ? f : idx[argAxis]));
        }
        return groups;
    }

    private static double[] WithNaNs(System.Random r, double[] data)
    {
        for (int i = 0; i < data.Length; i++) if (r.Next(3) == 0) data[i] = double.NaN;
        return data;
    }

    [Test]
    public void NanReductionsMatchLoopsOverTheNonNaNElements()
    {
        var r = new System.Random(11);
        for (int t = 0; t < 20; t++)
        {
            var shape = Enumerable.Range(0, r.Next(1, 4)).Select(_ => r.Next(1, 7)).ToArray();
            var data = WithNaNs(r, Ref.Rand(r, Ref.Size(shape)));
            var x = NdArray.FromArray(data, shape, shape.Select(n => Ref.Chunks(r, n)).ToArray());
            var axes = Enumerable.Range(0, shape.Length).Where(_ => r.Next(2) == 0).ToArray();
            var red = Enumerable.Range(0, shape.Length).Select(a => axes.Length == 0 || axes.Contains(a)).ToArray();
            int split = r.Next(2, 5);
            var groups = Groups(data, shape, red);
            void Check(NdArray<double> got, Func<double[], double> want, string what)
            {
                var c = got.Compute(_s).Data;
                for (int o = 0; o < groups.Length; o++)
                {
                    var vals = groups[o].Select(g => g.V).Where(v => !double.IsNaN(v)).ToArray();
                    Assert.That(c[o], Is.EqualTo(want(vals)).Within(1e-9), $"{what} shape {string.Join(",", shape)} axes {string.Join(",", axes)} position {o}");
                }
            }
            static double Var(double[] v, int ddof) => v.Length - ddof <= 0 ? double.NaN : v.Select(a => (a - v.Average()) * (a - v.Average())).Sum() / (v.Length - ddof);
            Check(x.NanSum(axes, split), v => v.Sum(), "nansum");
            Check(x.NanMean(axes, split), v => v.Length == 0 ? double.NaN : v.Average(), "nanmean");
            Check(x.NanMin(axes, split), v => v.Length == 0 ? double.NaN : v.Min(), "nanmin");
            Check(x.NanMax(axes, split), v => v.Length == 0 ? double.NaN : v.Max(), "nanmax");
            Check(x.NanVar(axes, 0, split), v => Var(v, 0), "nanvar");
            Check(x.NanStd(axes, 1, split), v => Math.Sqrt(Var(v, 1)), "nanstd ddof 1");
        }
    }

    [Test]
    public void NanArgReductionsFindTheFirstExtremumAmongNonNaN()
    {
        var r = new System.Random(5);
        for (int t = 0; t < 20; t++)
        {
            var shape = Enumerable.Range(0, r.Next(1, 4)).Select(_ => r.Next(1, 6)).ToArray();
            var data = Ref.Rand(r, Ref.Size(shape)).Select(v => Math.Round(v)).ToArray(); // ties happen
            // NaN everywhere except the last element of each row, so no slice along any axis is all NaN... along the last axis.
            for (int i = 0; i < data.Length; i++) if ((i + 1) % shape[^1] != 0 && r.Next(3) == 0) data[i] = double.NaN;
            var x = NdArray.FromArray(data, shape, shape.Select(n => Ref.Chunks(r, n)).ToArray());
            int ax = shape.Length - 1;
            var red = Enumerable.Range(0, shape.Length).Select(a => a == ax).ToArray();
            foreach (var (got, max) in new[] { (x.NanArgMin(ax), false), (x.NanArgMax(ax), true) })
            {
                var c = got.Compute(_s).Data;
                var groups = Groups(data, shape, red, ax);
                for (int o = 0; o < groups.Length; o++)
                {
                    var ok = groups[o].Where(g => !double.IsNaN(g.V)).ToList();
                    var best = max ? ok.Max(g => g.V) : ok.Min(g => g.V);
                    Assert.That(c[o], Is.EqualTo(ok.First(g => g.V == best).I), $"nanarg{(max ? "max" : "min")} shape {string.Join(",", shape)} row {o}");
                }
            }
            var flat = data.Select((v, i) => (v, i)).Where(p => !double.IsNaN(p.v)).ToList();
            Assert.That(x.NanArgMax().Compute(_s).Scalar, Is.EqualTo(flat.First(p => p.v == flat.Max(q => q.v)).i));
            Assert.That(x.NanArgMin().Compute(_s).Scalar, Is.EqualTo(flat.First(p => p.v == flat.Min(q => q.v)).i));
        }
    }

    [Test]
    public void AllNaNSlicesFollowNumPy()
    {
        // NumPy: nansum of all-NaN is 0, nanmean/nanmin/nanmax/nanvar are NaN (with a warning), nanargmin raises "All-NaN slice encountered".
        var x = NdArray.FromArray(new[] { double.NaN, double.NaN, 1.0, double.NaN }, [2, 2], [[1, 1], [1, 1]]);
        Assert.That(x.NanSum(1).Compute(_s).Data, Is.EqualTo(new[] { 0.0, 1.0 }));
        Assert.That(x.NanMean(1).Compute(_s).Data, Is.EqualTo(new[] { double.NaN, 1.0 }));
        Assert.That(x.NanMin(1).Compute(_s).Data, Is.EqualTo(new[] { double.NaN, 1.0 }));
        Assert.That(x.NanMax(1).Compute(_s).Data, Is.EqualTo(new[] { double.NaN, 1.0 }));
        Assert.That(x.NanVar([1]).Compute(_s).Data, Is.EqualTo(new[] { double.NaN, 0.0 }));
        var ex = Assert.Catch(() => x.NanArgMin(1).Compute(_s));
        Assert.That(ex!.ToString(), Does.Contain("All-NaN slice encountered"));
        // NumPy's documented examples: np.nansum([1, np.nan]) == 1.0; np.nanmean([[1, nan], [3, 4]]) == 2.666…; axis 0: [2, 4].
        var a = NdArray.FromArray(new[] { 1.0, double.NaN, 3.0, 4.0 }, [2, 2], [[1, 1], [2]]);
        Assert.That(a.NanMean().Compute(_s).Scalar, Is.EqualTo(8.0 / 3).Within(1e-15));
        Assert.That(a.NanMean(0).Compute(_s).Data, Is.EqualTo(new[] { 2.0, 4.0 }));
        Assert.That(a.NanMax(0).Compute(_s).Data, Is.EqualTo(new[] { 3.0, 4.0 }));
        Assert.That(a.NanArgMax().Compute(_s).Scalar, Is.EqualTo(3));
    }

    [Test]
    public void ProdMatchesLoops()
    {
        var r = new System.Random(3);
        for (int t = 0; t < 15; t++)
        {
            var shape = Enumerable.Range(0, r.Next(1, 4)).Select(_ => r.Next(1, 6)).ToArray();
            var data = Enumerable.Range(0, (int)Ref.Size(shape)).Select(_ => 0.5 + r.NextDouble()).ToArray();
            var x = NdArray.FromArray(data, shape, shape.Select(n => Ref.Chunks(r, n)).ToArray());
            var axes = Enumerable.Range(0, shape.Length).Where(_ => r.Next(2) == 0).ToArray();
            var red = Enumerable.Range(0, shape.Length).Select(a => axes.Length == 0 || axes.Contains(a)).ToArray();
            var c = (x * 1.0).Prod(axes, r.Next(2, 4)).Compute(_s).Data;
            var groups = Groups(data, shape, red);
            for (int o = 0; o < groups.Length; o++) Assert.That(c[o], Is.EqualTo(groups[o].Aggregate(1.0, (p, g) => p * g.V)).Within(1e-9));
        }
        // np.prod([[1, 2], [3, 4]]) == 24; axis=1: [2, 12] (NumPy's documentation).
        var m = NdArray.FromArray(new[] { 1, 2, 3, 4 }, [2, 2], [[1, 1], [1, 1]]);
        Assert.That(m.Prod().Compute(_s).Scalar, Is.EqualTo(24));
        Assert.That(m.Prod(1).Compute(_s).Data, Is.EqualTo(new[] { 2, 12 }));
    }

    [Test]
    public void CumSumAndCumProdScanAcrossBlocks()
    {
        var r = new System.Random(9);
        for (int t = 0; t < 20; t++)
        {
            var shape = Enumerable.Range(0, r.Next(1, 4)).Select(_ => r.Next(1, 7)).ToArray();
            var data = Enumerable.Range(0, (int)Ref.Size(shape)).Select(_ => (double)r.Next(-3, 4)).ToArray();
            var x = NdArray.FromArray(data, shape, shape.Select(n => Ref.Chunks(r, n)).ToArray());
            int ax = r.Next(shape.Length);
            var sum = (x + 0.0).CumSum(ax).Compute(_s);
            var prod = x.CumProd(ax).Compute(_s);
            Assert.That(sum.Shape, Is.EqualTo(shape));
            for (long f = 0; f < data.Length; f++)
            {
                var idx = Ref.Index(shape, f);
                double s = 0, p = 1;
                for (int k = 0; k <= idx[ax]; k++)
                {
                    var j = (int[])idx.Clone();
                    j[ax] = k;
                    s += data[Ref.Flat(shape, j)];
                    p *= data[Ref.Flat(shape, j)];
                }
                Assert.That(sum.Data[f], Is.EqualTo(s), $"cumsum shape {string.Join(",", shape)} axis {ax} at {f}");
                Assert.That(prod.Data[f], Is.EqualTo(p), $"cumprod shape {string.Join(",", shape)} axis {ax} at {f}");
            }
            var flat = x.CumSum().Compute(_s).Data;
            double run = 0;
            for (int i = 0; i < data.Length; i++) { run += data[i]; Assert.That(flat[i], Is.EqualTo(run), "flattened cumsum"); }
        }
        // NumPy's documentation: a = [[1,2,3],[4,5,6]]; cumsum(a) = [1,3,6,10,15,21]; cumsum(a, axis=0) = [[1,2,3],[5,7,9]];
        // cumsum(a, axis=1) = [[1,3,6],[4,9,15]]; cumprod(a, axis=1) = [[1,2,6],[4,20,120]].
        var a = NdArray.FromArray(new long[] { 1, 2, 3, 4, 5, 6 }, [2, 3], [[1, 1], [1, 2]]);
        Assert.That(a.CumSum().Compute(_s).Data, Is.EqualTo(new long[] { 1, 3, 6, 10, 15, 21 }));
        Assert.That(a.CumSum(0).Compute(_s).Data, Is.EqualTo(new long[] { 1, 2, 3, 5, 7, 9 }));
        Assert.That(a.CumSum(1).Compute(_s).Data, Is.EqualTo(new long[] { 1, 3, 6, 4, 9, 15 }));
        Assert.That(a.CumProd(1).Compute(_s).Data, Is.EqualTo(new long[] { 1, 2, 6, 4, 20, 120 }));
    }

    [Test]
    public void ElementwiseTanFloorCeilRoundClip()
    {
        var r = new System.Random(2);
        var data = Enumerable.Range(0, 37).Select(_ => r.NextDouble() * 8 - 4).Append(2.5).Append(-0.5).Append(double.NaN).ToArray();
        var x = NdArray.FromArray(data, [data.Length], [[13, 13, 14]]);
        Assert.That(NdArray.Tan(x).Compute(_s).Data, Is.EqualTo(data.Select(Math.Tan).ToArray()).Within(1e-12));
        Assert.That(x.Floor().Compute(_s).Data, Is.EqualTo(data.Select(Math.Floor).ToArray()));
        Assert.That(x.Ceil().Compute(_s).Data, Is.EqualTo(data.Select(Math.Ceiling).ToArray()));
        Assert.That(x.Round().Compute(_s).Data, Is.EqualTo(data.Select(v => Math.Round(v, MidpointRounding.ToEven)).ToArray()));
        Assert.That(x.Clip(-1.5, 2.0).Compute(_s).Data, Is.EqualTo(data.Select(v => double.IsNaN(v) ? v : Math.Min(Math.Max(v, -1.5), 2.0)).ToArray()));
        // NumPy's documentation: np.round([0.37, 1.64], 1) = [0.4, 1.6]; np.round([.5, 1.5, 2.5, 3.5, 4.5]) = [0, 2, 2, 4, 4];
        // np.round([1, 2, 3, 11], decimals=-1) = [0, 0, 0, 10]; np.clip(np.arange(10), 1, 8) = [1, 1, 2, 3, 4, 5, 6, 7, 8, 8].
        Assert.That(NdArray.FromArray(new[] { 0.37, 1.64 }, [2], [[1, 1]]).Round(1).Compute(_s).Data, Is.EqualTo(new[] { 0.4, 1.6 }));
        Assert.That(NdArray.FromArray(new[] { .5, 1.5, 2.5, 3.5, 4.5 }, [5], [[2, 3]]).Round().Compute(_s).Data, Is.EqualTo(new[] { 0.0, 2, 2, 4, 4 }));
        Assert.That(NdArray.FromArray(new[] { 1.0, 2, 3, 11 }, [4], [[2, 2]]).Round(-1).Compute(_s).Data, Is.EqualTo(new[] { 0.0, 0, 0, 10 }));
        var ints = NdArray.FromArray(Enumerable.Range(0, 10).ToArray(), [10], [[4, 6]]);
        Assert.That(ints.Clip(1, 8).Compute(_s).Data, Is.EqualTo(new[] { 1, 1, 2, 3, 4, 5, 6, 7, 8, 8 }));
        Assert.That(ints.Clip(null, 3).Compute(_s).Data, Is.EqualTo(new[] { 0, 1, 2, 3, 3, 3, 3, 3, 3, 3 }));
        Assert.Throws<InvalidOperationException>(() => NdArray.Tan(ints));
    }

    [Test]
    public void NormMatchesNumPysDocumentedValues()
    {
        // numpy.linalg.norm's documentation: a = np.arange(9) - 4; b = a.reshape((3, 3)).
        var a = NdArray.FromArray(Enumerable.Range(0, 9).Select(i => i - 4.0).ToArray(), [9], [[4, 5]]);
        var b = a.Reshape(3, 3).Rechunk([[2, 1], [1, 2]]);
        double Norm(NdArray<double> x, double? ord = null, int? axis = null) => LinearAlgebra.Norm(x, ord, axis).Compute(_s).Scalar;
        Assert.That(Norm(a), Is.EqualTo(7.745966692414834).Within(1e-14));
        Assert.That(Norm(b), Is.EqualTo(7.745966692414834).Within(1e-14));
        Assert.That(Norm(a, double.PositiveInfinity), Is.EqualTo(4.0));
        Assert.That(Norm(b, double.PositiveInfinity), Is.EqualTo(9.0));
        Assert.That(Norm(a, double.NegativeInfinity), Is.EqualTo(0.0));
        Assert.That(Norm(b, double.NegativeInfinity), Is.EqualTo(2.0));
        Assert.That(Norm(a, 1), Is.EqualTo(20.0));
        Assert.That(Norm(b, 1), Is.EqualTo(7.0));
        Assert.That(Norm(b, -1), Is.EqualTo(6.0));
        Assert.That(Norm(a, 2), Is.EqualTo(7.745966692414834).Within(1e-14));
        Assert.That(Norm(a, 3), Is.EqualTo(5.8480354764257312).Within(1e-14));
        Assert.That(Norm(a, 0), Is.EqualTo(8.0));
        // c = [[1, 2, 3], [-1, 1, 4]]: norm(c, axis=0) = [1.41421356, 2.23606798, 5.]; axis=1: [3.74165739, 4.24264069]; ord=1, axis=1: [6., 6.].
        var c = NdArray.FromArray(new[] { 1.0, 2, 3, -1, 1, 4 }, [2, 3], [[1, 1], [2, 1]]);
        Assert.That(LinearAlgebra.Norm(c, axis: 0).Compute(_s).Data, Is.EqualTo(new[] { 1.41421356, 2.23606798, 5.0 }).Within(1e-8));
        Assert.That(LinearAlgebra.Norm(c, axis: 1).Compute(_s).Data, Is.EqualTo(new[] { 3.74165739, 4.24264069 }).Within(1e-8));
        Assert.That(LinearAlgebra.Norm(c, 1, axis: 1).Compute(_s).Data, Is.EqualTo(new[] { 6.0, 6.0 }));
        Assert.Throws<NotSupportedException>(() => LinearAlgebra.Norm(b, 2));
    }
}

/// <summary>Keys of the NaN reductions, scans and new elementwise functions cover the operation and every parameter.</summary>
public class ArrayNanScanKeyTests
{
    [Test]
    public void EachOperationAndParameterHasItsOwnKey()
    {
        var x = NdArray.FromArray(Enumerable.Range(0, 12).Select(i => i * 0.5).ToArray(), [3, 4], [[2, 1], [2, 2]]);
        TaskKey K<E>(NdArray<E> a) where E : unmanaged => a.ToDelayed().Key;
        Keys.KeyAssert.AllDistinct(
            ("sum", K(x.Sum())), ("nansum", K(x.NanSum())), ("prod", K(x.Prod())), ("nanmean", K(x.NanMean())),
            ("nanmin", K(x.NanMin())), ("nanmax", K(x.NanMax())), ("nanvar", K(x.NanVar())), ("nanvar ddof 1", K(x.NanVar(null, 1))),
            ("nanstd", K(x.NanStd())), ("nansum axis 0", K(x.NanSum(0))), ("nanargmin", K(x.NanArgMin())), ("nanargmax", K(x.NanArgMax())),
            ("cumsum 0", K(x.CumSum(0))), ("cumsum 1", K(x.CumSum(1))), ("cumprod 0", K(x.CumProd(0))), ("cumsum flat", K(x.CumSum())),
            ("round 0", K(x.Round())), ("round 1", K(x.Round(1))), ("floor", K(x.Floor())), ("ceil", K(x.Ceil())), ("tan", K(NdArray.Tan(x))),
            ("clip 1..2", K(x.Clip(1, 2))), ("clip 1..3", K(x.Clip(1, 3))), ("clip 0..2", K(x.Clip(0, 2))));
        Keys.KeyAssert.SameTwice(("cumsum", () => K(x.CumSum(1))), ("nanstd", () => K(x.NanStd([0], 1))));
    }
}
