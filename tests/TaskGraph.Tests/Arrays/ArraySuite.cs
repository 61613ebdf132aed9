namespace TaskGraph.Tests.Arrays;

/// <summary>Creation and elementwise maths of chunked arrays, compared with naive loops, on every scheduler.</summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class ArraySuite(string schedulerName)
{
    private IScheduler _s = null!;

    [OneTimeSetUp]
    public void Create() => _s = SchedulerCases.Create(schedulerName);

    [Test]
    public void FromArrayRoundTripsOnRandomChunkings()
    {
        var r = new System.Random(1);
        for (int t = 0; t < 20; t++)
        {
            var shape = Enumerable.Range(0, r.Next(0, 4)).Select(_ => r.Next(0, 7)).ToArray();
            var data = Ref.Rand(r, Ref.Size(shape));
            var x = NdArray.FromArray(data, shape, shape.Select(n => Ref.Chunks(r, n)).ToArray());
            var c = x.Compute(_s);
            Assert.That(c.Shape, Is.EqualTo(shape));
            Assert.That(c.Data, Is.EqualTo(data));
        }
    }

    [Test]
    public void ElementwiseChainsMatchLoopsUnderBroadcasting()
    {
        var r = new System.Random(2);
        for (int t = 0; t < 30; t++)
        {
            var shape = Enumerable.Range(0, r.Next(1, 4)).Select(_ => r.Next(1, 6)).ToArray();
            // b drops leading axes and sets some axes to 1.
            var bShape = shape.Skip(r.Next(0, shape.Length)).Select(d => r.Next(3) == 0 ? 1 : d).ToArray();
            var ad = Ref.Rand(r, Ref.Size(shape));
            var bd = Ref.Rand(r, Ref.Size(bShape));
            var a = NdArray.FromArray(ad, shape, shape.Select(n => Ref.Chunks(r, n)).ToArray());
            var b = NdArray.FromArray(bd, bShape, bShape.Select(n => Ref.Chunks(r, n)).ToArray());
            var y = NdArray.Where(a > b, (a + b) * 2.0 - NdArray.Abs(b) / 4.0, NdArray.Sqrt(NdArray.Abs(a)) + NdArray.Exp(b / 10.0));
            var got = y.Compute(_s);
            Assert.That(got.Shape, Is.EqualTo(shape));
            for (long f = 0; f < got.Length; f++)
            {
                var idx = Ref.Index(shape, f);
                double av = ad[f], bv = Ref.At(bd, bShape, idx);
                double want = av > bv ? (av + bv) * 2.0 - Math.Abs(bv) / 4.0 : Math.Sqrt(Math.Abs(av)) + Math.Exp(bv / 10.0);
                Assert.That(got.Data[f], Is.EqualTo(want).Within(1e-9), $"shape {string.Join(",", shape)} b {string.Join(",", bShape)} at {f}");
            }
        }
    }

    [Test]
    public void ElementwiseChainIsOneTaskPerBlock()
    {
        var x = NdArray.Random([100, 60], [25, 20], seed: 3);
        var y = NdArray.Sin(x * 2.0 + 1.0) - NdArray.Cos(x.T.T) * x;
        Assert.That(y.NumBlocks, Is.EqualTo(new[] { 4, 3 }));
        Assert.That(y.TaskCount, Is.EqualTo(12));
        var m = NdArray.FromArray(new double[100 * 60], [100, 60], [25, 20]);
        Assert.That((NdArray.Exp(m + 1.0) * 3.0 - m).TaskCount, Is.EqualTo(24), "12 source blocks + 12 fused tasks");
        StringAssert.Contains("shape (100, 60)", y.ToString());
        StringAssert.Contains("tasks 12", y.ToString());
    }

    [Test]
    public void RandomIsReproducibleAndIndependentOfScheduler()
    {
        var a = NdArray.Random([50, 40], [7, 9], seed: 11).Compute(_s).Data;
        var b = NdArray.Random([50, 40], [7, 9], seed: 11).Compute(Scheduler.Synchronous).Data;
        Assert.That(a, Is.EqualTo(b));
        Assert.That(a.All(v => v >= 0 && v < 1));
        Assert.That(a.Average(), Is.EqualTo(0.5).Within(0.05));
        var t = NdArray.Random([50, 40], [7, 9], seed: 11).T.Compute(_s);
        Assert.That(t[3, 5], Is.EqualTo(a[5 * 40 + 3]));
        var n = NdArray.RandomNormal([200, 100], [64, 64], seed: 5).Compute(_s).Data;
        Assert.That(n.Average(), Is.EqualTo(0).Within(0.05));
        Assert.That(Math.Sqrt(n.Select(v => v * v).Average()), Is.EqualTo(1).Within(0.05));
        Assert.That(NdArray.Random([50, 40], [7, 9], seed: 12).Compute(_s).Data, Is.Not.EqualTo(a));
    }

    [Test]
    public void CreationFunctions()
    {
        Assert.That(NdArray.Zeros<int>([3, 4], [2, 3]).Compute(_s).Data, Is.EqualTo(new int[12]));
        Assert.That(NdArray.Ones<float>([5], [2]).Compute(_s).Data, Is.EqualTo(Enumerable.Repeat(1f, 5)));
        Assert.That(NdArray.Full([2, 2], [1, 1], 7L).Compute(_s).Data, Is.EqualTo(new long[] { 7, 7, 7, 7 }));
        Assert.That(NdArray.Arange(10, 3).Compute(_s).Data, Is.EqualTo(Enumerable.Range(0, 10).Select(i => (long)i)));
        Assert.That(NdArray.Arange(1.0, 2.0, 0.25, 3).Compute(_s).Data, Is.EqualTo(new[] { 1.0, 1.25, 1.5, 1.75 }));
        Assert.That(NdArray.Linspace(0, 1, 5, 2).Compute(_s).Data, Is.EqualTo(new[] { 0, 0.25, 0.5, 0.75, 1 }).Within(1e-15));
        var d = NdArray.FromDelayedBlocks([[2, 1], [2]], [Delayed.Value(new[] { 1, 2, 3, 4 }), Delayed.Value(new[] { 5, 6 })]);
        Assert.That(d.Compute(_s).Data, Is.EqualTo(new[] { 1, 2, 3, 4, 5, 6 }));
        Assert.That(NdArray.FromDelayed(Delayed.Run(() => new[] { 1.5, 2.5 }), [2]).Compute(_s).Data, Is.EqualTo(new[] { 1.5, 2.5 }));
    }

    [Test]
    public void IntegerAndComparisonArithmetic()
    {
        var i = NdArray.Arange(12, 5).AsType<int>();
        var m = ((i * 3 + 7) % 11 - 5).Compute(_s).Data;
        Assert.That(m, Is.EqualTo(Enumerable.Range(0, 12).Select(v => (v * 3 + 7) % 11 - 5)));
        Assert.That((i % -5).Compute(_s).Data, Is.EqualTo(Enumerable.Range(0, 12).Select(v => v % 5 == 0 ? 0 : v % 5 - 5)), "NumPy sign rule");
        var b = ((i > 3) & (i <= 8)).Compute(_s).Data;
        Assert.That(b, Is.EqualTo(Enumerable.Range(0, 12).Select(v => v > 3 && v <= 8)));
        Assert.That(i.Eq(4).Compute(_s).Data.Count(x => x), Is.EqualTo(1));
        Assert.That(NdArray.Where(i > 5, i, 0).Compute(_s).Data, Is.EqualTo(Enumerable.Range(0, 12).Select(v => v > 5 ? v : 0)));
        Assert.That(i.AsType<double>().Pow(2).Compute(_s).Data, Is.EqualTo(Enumerable.Range(0, 12).Select(v => (double)v * v)));
    }

    [Test]
    public void BadShapesFailAtBuildTime()
    {
        var a = NdArray.Zeros<double>([3, 4], [2, 2]);
        var b = NdArray.Zeros<double>([3, 5], [2, 2]);
        var ex = Assert.Throws<ArgumentException>(() => _ = a + b)!;
        StringAssert.Contains("(3, 4)", ex.Message);
        StringAssert.Contains("(3, 5)", ex.Message);
    }
}

/// <summary>Block-level operations: MapBlocks, concatenate and stack, on every scheduler.</summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class ArrayBlockSuite(string schedulerName)
{
    private IScheduler _s = null!;

    [OneTimeSetUp]
    public void Create() => _s = SchedulerCases.Create(schedulerName);

    private static DenseArray<double> Twice(DenseArray<double> b) => new(b.Data.Select(v => v * 2).ToArray(), b.Shape);
    private static DenseArray<double> AddBlocks(DenseArray<double> a, DenseArray<double> b) => new(a.Data.Zip(b.Data, (x, y) => x + y).ToArray(), a.Shape);

    [Test]
    public void MapBlocksRunsOncePerBlock()
    {
        var data = Enumerable.Range(0, 30).Select(i => (double)i).ToArray();
        var x = NdArray.FromArray(data, [5, 6], [2, 4]);
        var y = x.MapBlocks<double>(Twice);
        Assert.That(y.Compute(_s).Data, Is.EqualTo(data.Select(v => v * 2)));
        Assert.That(x.MapBlocks<double, double>(x.Rechunk(5, 3), AddBlocks).Compute(_s).Data, Is.EqualTo(data.Select(v => v * 2)));
    }

    [Test]
    public void ConcatenateAndStack()
    {
        var a = NdArray.FromArray(Enumerable.Range(0, 6).Select(i => (double)i).ToArray(), [2, 3], [1, 2]);
        var b = NdArray.FromArray(Enumerable.Range(6, 3).Select(i => (double)i).ToArray(), [1, 3], [1, 3]);
        var c = NdArray.Concatenate([a, b], 0).Compute(_s);
        Assert.That(c.Shape, Is.EqualTo(new[] { 3, 3 }));
        Assert.That(c.Data, Is.EqualTo(Enumerable.Range(0, 9).Select(i => (double)i)));
        var s = NdArray.Stack([a, a + 10.0], 1).Compute(_s);
        Assert.That(s.Shape, Is.EqualTo(new[] { 2, 2, 3 }));
        Assert.That(s[1, 1, 2], Is.EqualTo(15.0));
        Assert.That(s[0, 0, 1], Is.EqualTo(1.0));
        Assert.Throws<ArgumentException>(() => NdArray.Concatenate([a, NdArray.Zeros<double>([2, 4], [1, 1])], 0));
    }
}

/// <summary>Reshape and boolean masks, on every scheduler.</summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class ArrayShapeSuite(string schedulerName)
{
    private IScheduler _s = null!;

    [OneTimeSetUp]
    public void Create() => _s = SchedulerCases.Create(schedulerName);

    [Test]
    public void ReshapeKeepsCOrder()
    {
        var data = Enumerable.Range(0, 24).Select(i => (double)i).ToArray();
        var x = NdArray.FromArray(data, [4, 6], [2, 4]);
        var y = x.Reshape(8, 3);
        Assert.That(y.Shape, Is.EqualTo(new[] { 8, 3 }));
        Assert.That(y.Compute(_s).Data, Is.EqualTo(data));
        Assert.That(x.Reshape(-1).Compute(_s).Data, Is.EqualTo(data));
        Assert.That(x.Reshape(2, 2, 6).Compute(_s)[1, 0, 5], Is.EqualTo(17.0));
        Assert.That(NdArray.FromArray(data, [24], [8]).Reshape(-1, 4).Rechunk(6, 4).Reshape(4, 6).Compute(_s).Data, Is.EqualTo(data));
        var ex = Assert.Throws<ArgumentException>(() => x.Reshape(5, 5))!;
        StringAssert.Contains("(4, 6)", ex.Message);
        Assert.That(NdArray.FromArray(data, [24], [5]).Reshape(6, 4).Compute(_s).Data, Is.EqualTo(data)); // rechunks
    }

    [Test]
    public void DiagonalAndTraceMatchLoops()
    {
        var r = new System.Random(17);
        for (int t = 0; t < 15; t++)
        {
            int rows = r.Next(0, 12), cols = r.Next(0, 12), offset = r.Next(-6, 7);
            var data = Ref.Rand(r, rows * cols);
            var x = NdArray.FromArray(data, [rows, cols], [Ref.Chunks(r, rows), Ref.Chunks(r, cols)]);
            var want = new List<double>();
            for (int i = 0; i < rows; i++)
                if (i + offset >= 0 && i + offset < cols) want.Add(data[i * cols + i + offset]);
            var d = x.Diagonal(offset);
            Assert.That(d.Shape, Is.EqualTo(new[] { want.Count }), $"{rows}x{cols} offset {offset}");
            Assert.That(d.Compute(_s).Data, Is.EqualTo(want.ToArray()));
            Assert.That(x.Trace(offset).Compute(_s).Scalar, Is.EqualTo(want.Sum()).Within(1e-9));
        }
        // Only the blocks on the diagonal are read: 4 of the 16 blocks, one task each.
        var big = NdArray.Ones<double>([8, 8], [2, 2]) * 3.0;
        Assert.That(big.Diagonal().NumBlocks, Is.EqualTo(new[] { 4 }));
        Assert.That(big.Diagonal().TaskCount, Is.EqualTo(4 + 4));
        Assert.That(big.Diagonal().Compute(_s).Data, Is.EqualTo(Enumerable.Repeat(3.0, 8).ToArray()));
        var ex = Assert.Throws<ArgumentException>(() => NdArray.Ones<double>([2, 2, 2], [1, 1, 1]).Diagonal())!;
        StringAssert.Contains("(2, 2, 2)", ex.Message);
    }

    [Test]
    public void BooleanMaskSelects()
    {
        var r = new System.Random(13);
        for (int t = 0; t < 10; t++)
        {
            int n = r.Next(0, 30);
            var data = Ref.Rand(r, n);
            var x = NdArray.FromArray(data, [n], [Ref.Chunks(r, n)]);
            var mask = data.Select(v => v > 2).ToArray();
            var want = data.Where(v => v > 2).ToArray();
            Assert.That(x.Mask(mask).Compute(_s).Data, Is.EqualTo(want));
            Assert.That(x.Mask(x > 2.0, _s).Compute(_s).Data, Is.EqualTo(want));
        }
    }
}
