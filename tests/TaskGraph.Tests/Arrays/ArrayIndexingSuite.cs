namespace TaskGraph.Tests.Arrays;

/// <summary>
/// Negative slice steps, integer-array (fancy) indexing, new axes and boolean masks of any rank, compared with
/// loops on random shapes and chunkings and with the examples of NumPy's indexing documentation, on every scheduler.
/// </summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class ArrayIndexingSuite(string schedulerName)
{
    private IScheduler _s = null!;

    [OneTimeSetUp]
    public void Create() => _s = SchedulerCases.Create(schedulerName);

    /// <summary>Python's <c>range(*slice(start, stop, step).indices(size))</c>, spelled out from the language reference.</summary>
    private static List<int> PySlice(int size, int? start, int? stop, int step)
    {
        int Norm(int? v, int dflt, int lo, int hi) => v is null ? dflt : Math.Clamp(v.Value < 0 ? v.Value + size : v.Value, lo, hi);
        var r = new List<int>();
        if (step > 0) { for (int i = Norm(start, 0, 0, size); i < Norm(stop, size, 0, size); i += step) r.Add(i); }
        else { for (int i = Norm(start, size - 1, -1, size - 1); i > Norm(stop, -1, -1, size - 1); i += step) r.Add(i); }
        return r;
    }

    [Test]
    public void NegativeStepsMatchPythonSlices()
    {
        // NumPy's indexing documentation: x = np.arange(10); x[-3:3:-1] == [7, 6, 5, 4]; x[::-1] reverses it.
        var x = NdArray.FromArray(Enumerable.Range(0, 10).ToArray(), [10], [[3, 3, 4]]);
        Assert.That(x[Sel.Slice(-3, 3, -1)].Compute(_s).Data, Is.EqualTo(new[] { 7, 6, 5, 4 }));
        Assert.That(x[Sel.Slice(null, null, -1)].Compute(_s).Data, Is.EqualTo(Enumerable.Range(0, 10).Reverse().ToArray()));
        var r = new System.Random(4);
        for (int t = 0; t < 30; t++)
        {
            var shape = Enumerable.Range(0, r.Next(1, 4)).Select(_ => r.Next(1, 8)).ToArray();
            var data = Enumerable.Range(0, (int)Ref.Size(shape)).Select(i => (double)i).ToArray();
            var a = NdArray.FromArray(data, shape, shape.Select(n => Ref.Chunks(r, n)).ToArray());
            var sels = new Sel[shape.Length];
            var picks = new List<int>[shape.Length];
            for (int k = 0; k < shape.Length; k++)
            {
                int? start = r.Next(3) == 0 ? null : r.Next(-shape[k] - 2, shape[k] + 2);
                int? stop = r.Next(3) == 0 ? null : r.Next(-shape[k] - 2, shape[k] + 2);
                int step = r.Next(2) == 0 ? -r.Next(1, 4) : r.Next(1, 4);
                sels[k] = Sel.Slice(start, stop, step);
                picks[k] = PySlice(shape[k], start, stop, step);
            }
            var got = a[sels].Compute(_s);
            Assert.That(got.Shape, Is.EqualTo(picks.Select(p => p.Count).ToArray()));
            for (long f = 0; f < got.Data.Length; f++)
            {
                var o = Ref.Index(got.Shape, f);
                var src = Enumerable.Range(0, shape.Length).Select(k => picks[k][o[k]]).ToArray();
                Assert.That(got.Data[f], Is.EqualTo(data[Ref.Flat(shape, src)]), $"shape {string.Join(",", shape)} at {f}");
            }
        }
    }

    [Test]
    public void IntegerArrayIndexingTakesInOrderWithRepeats()
    {
        // NumPy's documentation: x = np.arange(10, 1, -1); x[np.array([3, 3, 1, 8])] == [7, 7, 9, 2]; with -3: [7, 7, 4, 2].
        var x = NdArray.FromArray(Enumerable.Range(0, 9).Select(i => 10 - i).ToArray(), [9], [[4, 5]]);
        Assert.That(x[new[] { 3, 3, 1, 8 }].Compute(_s).Data, Is.EqualTo(new[] { 7, 7, 9, 2 }));
        Assert.That(x[new[] { 3, 3, -3, 8 }].Compute(_s).Data, Is.EqualTo(new[] { 7, 7, 4, 2 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => x.Take([9]));
        var r = new System.Random(6);
        for (int t = 0; t < 20; t++)
        {
            var shape = Enumerable.Range(0, r.Next(1, 4)).Select(_ => r.Next(1, 7)).ToArray();
            var data = Enumerable.Range(0, (int)Ref.Size(shape)).Select(i => (long)i).ToArray();
            var a = NdArray.FromArray(data, shape, shape.Select(n => Ref.Chunks(r, n)).ToArray());
            int ax = r.Next(shape.Length);
            var idx = Enumerable.Range(0, r.Next(0, 12)).Select(_ => r.Next(-shape[ax], shape[ax])).ToArray();
            var sel = Enumerable.Range(0, shape.Length).Select(k => k == ax ? (Sel)idx : Sel.All).ToArray();
            var got = a[sel].Compute(_s);
            var want = (int[])shape.Clone();
            want[ax] = idx.Length;
            Assert.That(got.Shape, Is.EqualTo(want));
            for (long f = 0; f < got.Data.Length; f++)
            {
                var o = Ref.Index(got.Shape, f);
                int i = idx[o[ax]];
                o[ax] = i < 0 ? i + shape[ax] : i;
                Assert.That(got.Data[f], Is.EqualTo(data[Ref.Flat(shape, o)]));
            }
        }
    }

    [Test]
    public void NewAxisInsertsLengthOneAxes()
    {
        // NumPy's documentation: x = np.arange(5); x[:, np.newaxis] + x[np.newaxis, :] is the 5×5 table of i + j.
        var x = NdArray.FromArray(Enumerable.Range(0, 5).ToArray(), [5], [[2, 3]]);
        var table = (x[Sel.All, Sel.NewAxis] + x[Sel.NewAxis, Sel.All]).Compute(_s);
        Assert.That(table.Shape, Is.EqualTo(new[] { 5, 5 }));
        for (int i = 0; i < 5; i++) for (int j = 0; j < 5; j++) Assert.That(table[i, j], Is.EqualTo(i + j));
        var m = NdArray.FromArray(Enumerable.Range(0, 6).ToArray(), [2, 3], [[1, 1], [2, 1]]);
        Assert.That(m[Sel.NewAxis, Sel.All, Sel.NewAxis].Shape, Is.EqualTo(new[] { 1, 2, 1, 3 }));
        Assert.That(m[1, Sel.NewAxis].Compute(_s).Shape, Is.EqualTo(new[] { 1, 3 }));
        Assert.That(m[1, Sel.NewAxis].Compute(_s).Data, Is.EqualTo(new[] { 3, 4, 5 }));
        Assert.That(m[Sel.All, Sel.Slice(null, null, -1), Sel.NewAxis].Compute(_s).Data, Is.EqualTo(new[] { 2, 1, 0, 5, 4, 3 }));
    }

    [Test]
    public void BooleanMasksOfAnyRank()
    {
        // NumPy's documentation: x = np.arange(35).reshape(5, 7); x[x > 20] == 21..34; x[b[:, 5]] is rows 3 and 4.
        var x = NdArray.FromArray(Enumerable.Range(0, 35).ToArray(), [5, 7], [[2, 3], [3, 4]]);
        var b = new DenseArray<bool>(Enumerable.Range(0, 35).Select(v => v > 20).ToArray(), 5, 7);
        Assert.That(x.Mask(b).Compute(_s).Data, Is.EqualTo(Enumerable.Range(21, 14).ToArray()));
        Assert.That(x.Mask(x > 20, _s).Compute(_s).Data, Is.EqualTo(Enumerable.Range(21, 14).ToArray()));
        var rows = x.Mask(new DenseArray<bool>([false, false, false, true, true], 5)).Compute(_s);
        Assert.That(rows.Shape, Is.EqualTo(new[] { 2, 7 }));
        Assert.That(rows.Data, Is.EqualTo(Enumerable.Range(21, 14).ToArray()));
        var r = new System.Random(8);
        for (int t = 0; t < 15; t++)
        {
            var shape = Enumerable.Range(0, r.Next(1, 4)).Select(_ => r.Next(1, 6)).ToArray();
            var data = Enumerable.Range(0, (int)Ref.Size(shape)).Select(i => (double)i).ToArray();
            var a = NdArray.FromArray(data, shape, shape.Select(n => Ref.Chunks(r, n)).ToArray());
            var mask = data.Select(_ => r.Next(2) == 0).ToArray();
            var want = data.Where((_, i) => mask[i]).ToArray();
            Assert.That(a.Mask(new DenseArray<bool>(mask, shape)).Compute(_s).Data, Is.EqualTo(want), $"known mask, shape {string.Join(",", shape)}");
            var lazy = NdArray.FromArray(mask, shape, shape.Select(n => Ref.Chunks(r, n)).ToArray());
            Assert.That(a.Mask(lazy, _s).Compute(_s).Data, Is.EqualTo(want), $"lazy mask, shape {string.Join(",", shape)}");
        }
        Assert.Throws<ArgumentException>(() => x.Mask(new DenseArray<bool>(new bool[7], 7)));
    }
}

/// <summary>Keys of the new selections cover every index, step and position.</summary>
public class ArrayIndexingKeyTests
{
    [Test]
    public void EachSelectionHasItsOwnKey()
    {
        var x = NdArray.FromArray(Enumerable.Range(0, 20).ToArray(), [4, 5], [[2, 2], [3, 2]]);
        TaskKey K(NdArray<int> a) => a.ToDelayed().Key;
        Keys.KeyAssert.AllDistinct(
            ("[::-1]", K(x[Sel.Slice(null, null, -1)])), ("[::-2]", K(x[Sel.Slice(null, null, -2)])), ("[::1]", K(x[Sel.Slice(null, null, 2)])),
            ("take 0,1", K(x[new[] { 0, 1 }])), ("take 1,0", K(x[new[] { 1, 0 }])), ("take axis 1", K(x[Sel.All, new[] { 0, 1 }])),
            ("newaxis 0", K(x[Sel.NewAxis])), ("newaxis 2", K(x[Sel.All, Sel.All, Sel.NewAxis])),
            ("mask a", K(x.Mask(new DenseArray<bool>(Enumerable.Range(0, 20).Select(i => i % 2 == 0).ToArray(), 4, 5)))),
            ("mask b", K(x.Mask(new DenseArray<bool>(Enumerable.Range(0, 20).Select(i => i % 3 == 0).ToArray(), 4, 5)))));
    }
}
