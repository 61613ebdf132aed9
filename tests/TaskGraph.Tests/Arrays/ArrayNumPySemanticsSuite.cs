namespace TaskGraph.Tests.Arrays;

/// <summary>
/// NumPy's answers where they are easy to get wrong: NaN in arg-reductions, reductions over zero elements, and
/// reshapes whose chunks do not line up. Expected values were computed with NumPy 1.24 when the tests were written
/// (the expressions are quoted beside them); nothing calls Python at run time. On every scheduler.
/// </summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class ArrayNumPySemanticsSuite(string schedulerName)
{
    private IScheduler _s = null!;

    [OneTimeSetUp]
    public void Create() => _s = SchedulerCases.Create(schedulerName);

    // x = np.array([[1., nan, 3., 0.], [5., 2., nan, nan], [nan, 9., 1., 7.]])
    private static readonly double[] WithNaN = [1, double.NaN, 3, 0, 5, 2, double.NaN, double.NaN, double.NaN, 9, 1, 7];

    [TestCase(2, 2)]
    [TestCase(1, 1)]
    [TestCase(3, 4)]
    public void ArgExtremaReturnTheFirstNaN(int rowChunk, int colChunk)
    {
        var x = NdArray.FromArray(WithNaN, [3, 4], [rowChunk, colChunk]);
        // x.argmax() == 1, x.argmin() == 1
        Assert.That(x.ArgMax().Compute(_s).Data, Is.EqualTo(new long[] { 1 }));
        Assert.That(x.ArgMin().Compute(_s).Data, Is.EqualTo(new long[] { 1 }));
        // x.argmax(axis=0) == x.argmin(axis=0) == [2, 0, 1, 1]; split_every 2 makes the NaN cross combine steps
        Assert.That(x.ArgMax(0, splitEvery: 2).Compute(_s).Data, Is.EqualTo(new long[] { 2, 0, 1, 1 }));
        Assert.That(x.ArgMin(0, splitEvery: 2).Compute(_s).Data, Is.EqualTo(new long[] { 2, 0, 1, 1 }));
        // x.argmax(axis=1) == x.argmin(axis=1) == [1, 2, 0]
        Assert.That(x.ArgMax(1, splitEvery: 2).Compute(_s).Data, Is.EqualTo(new long[] { 1, 2, 0 }));
        Assert.That(x.ArgMin(1, splitEvery: 2).Compute(_s).Data, Is.EqualTo(new long[] { 1, 2, 0 }));
        // np.nanmax is not this: x.max() is nan
        Assert.That(x.Max().Compute(_s).Data[0], Is.NaN);
    }

    [Test]
    public void ArgExtremaMatchNumPyRulesOnRandomChunkings()
    {
        // NumPy's rule (documented: "the first occurrence"; NaN is the extremum): the first NaN's index if any,
        // else the first index of the extremum.
        static long Expected(IList<double> v, bool max)
        {
            for (int i = 0; i < v.Count; i++) if (double.IsNaN(v[i])) return i;
            int best = 0;
            for (int i = 1; i < v.Count; i++) if (max ? v[i] > v[best] : v[i] < v[best]) best = i;
            return best;
        }
        var r = new System.Random(11);
        for (int t = 0; t < 20; t++)
        {
            int n = r.Next(1, 40);
            var data = Enumerable.Range(0, n).Select(_ => r.Next(5) == 0 ? double.NaN : r.Next(-3, 4)).ToArray();
            var x = NdArray.FromArray(data, [n], [Ref.Chunks(r, n)]);
            Assert.That(x.ArgMax(0, splitEvery: 2).Compute(_s).Data[0], Is.EqualTo(Expected(data, true)), string.Join(",", data));
            Assert.That(x.ArgMin().Compute(_s).Data[0], Is.EqualTo(Expected(data, false)), string.Join(",", data));
        }
    }

    [Test]
    public void ReductionsWithoutIdentityRefuseZeroElements()
    {
        var x = NdArray.FromArray(Enumerable.Range(0, 10).Select(i => (double)i).ToArray(), [10], [3]);
        var empty = x[Sel.Slice(4, 4)];
        // np.arange(10.)[4:4].min(): ValueError: zero-size array to reduction operation minimum which has no identity
        var e = Assert.Throws<InvalidOperationException>(() => empty.Min())!;
        Assert.That(e.Message, Does.Contain("zero-size array to reduction operation minimum which has no identity"));
        Assert.That(Assert.Throws<InvalidOperationException>(() => empty.Max())!.Message, Does.Contain("reduction operation maximum"));
        // np.arange(10.)[4:4].argmin(): ValueError: attempt to get argmin of an empty sequence
        Assert.That(Assert.Throws<InvalidOperationException>(() => empty.ArgMin())!.Message, Does.Contain("attempt to get argmin of an empty sequence"));
        Assert.That(Assert.Throws<InvalidOperationException>(() => empty.ArgMax())!.Message, Does.Contain("argmax"));
        // np.arange(10.)[4:4].sum() == 0.0; .mean() is nan (with a RuntimeWarning in NumPy)
        Assert.That(empty.Sum().Compute(_s).Data[0], Is.EqualTo(0.0));
        Assert.That(empty.Mean().Compute(_s).Data[0], Is.NaN);

        // Along an axis: np.zeros((3, 0)).min(axis=1) raises; .min(axis=0) == [] (shape (0,)); .sum(axis=1) == [0, 0, 0]
        var m = NdArray.FromArray(new double[0], [3, 0], [2, 1]);
        Assert.Throws<InvalidOperationException>(() => m.Min(1));
        Assert.Throws<InvalidOperationException>(() => m.ArgMax(1));
        Assert.That(m.Min(0).Shape, Is.EqualTo(new[] { 0 }));
        Assert.That(m.Sum(1).Compute(_s).Data, Is.EqualTo(new double[] { 0, 0, 0 }));
    }

    [Test]
    public void ReshapeRechunksWhenChunksDoNotLineUp()
    {
        var data = Enumerable.Range(0, 24).Select(i => (double)i).ToArray();
        // np.arange(24.).reshape(6, 4): blocks of 5 hold no whole row of 4
        var y = NdArray.FromArray(data, [24], [5]).Reshape(6, 4);
        Assert.That(y.Shape, Is.EqualTo(new[] { 6, 4 }));
        Assert.That(y.Compute(_s).Data, Is.EqualTo(data));
        // (6, 5, 4) in (4, 2, 3) blocks -> (4, 5, 6) (Dask's message calls this "unsupported"; NumPy's order)
        var big = Enumerable.Range(0, 120).Select(i => (double)i).ToArray();
        Assert.That(NdArray.FromArray(big, [6, 5, 4], [4, 2, 3]).Reshape(4, 5, 6).Compute(_s).Data, Is.EqualTo(big));
    }

    [Test]
    public void ReshapeEqualsTheDenseReshapeOnRandomChunkings()
    {
        var r = new System.Random(23);
        for (int t = 0; t < 25; t++)
        {
            var shape = Enumerable.Range(0, r.Next(1, 4)).Select(_ => r.Next(1, 7)).ToArray();
            long size = Ref.Size(shape);
            var data = Ref.Rand(r, size);
            var x = NdArray.FromArray(data, shape, shape.Select(n => Ref.Chunks(r, n)).ToArray());
            // A random target shape with the same size: split the size into random factors.
            var target = new List<int>();
            long left = size;
            while (left > 1 && target.Count < 3)
            {
                var divisors = Enumerable.Range(2, (int)left - 1).Where(d => left % d == 0).ToArray();
                int d = divisors[r.Next(divisors.Length)];
                target.Add(d);
                left /= d;
            }
            if (left > 1 || target.Count == 0) target.Add((int)left);
            var y = (x * 1.0).Reshape(target.ToArray());
            var got = y.Compute(_s);
            // A C-order reshape of the dense array keeps the flat data and takes the new shape.
            Assert.That(got.Shape, Is.EqualTo(target.ToArray()), $"{string.Join("x", shape)} -> {string.Join("x", target)}");
            Assert.That(got.Data, Is.EqualTo(data), $"{string.Join("x", shape)} chunks {ShapeMath.FormatChunks(x.Chunks)} -> {string.Join("x", target)}");
        }
    }
}
