namespace TaskGraph.Tests.Arrays;

/// <summary>
/// Vector–matrix and batched MatMul, TensorDot and two-operand Einsum, compared with a loop over every index
/// assignment and with NumPy's documented tensordot example, on every scheduler.
/// </summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class ArrayContractionSuite(string schedulerName)
{
    private IScheduler _s = null!;

    [OneTimeSetUp]
    public void Create() => _s = SchedulerCases.Create(schedulerName);

    /// <summary>Einstein summation by brute force: for every assignment of every letter, add a·b into the output cell.</summary>
    private static double[] EinsumLoop(string sa, double[] a, int[] shapeA, string sb, double[] b, int[] shapeB, string so, out int[] shapeOut)
    {
        var size = new Dictionary<char, int>();
        for (int i = 0; i < sa.Length; i++) size[sa[i]] = shapeA[i];
        for (int i = 0; i < sb.Length; i++) size[sb[i]] = Math.Max(size.GetValueOrDefault(sb[i], 1), shapeB[i]);
        var letters = size.Keys.ToArray();
        shapeOut = so.Select(c => size[c]).ToArray();
        var outp = new double[Ref.Size(shapeOut)];
        var lshape = letters.Select(c => size[c]).ToArray();
        for (long f = 0; f < Ref.Size(lshape); f++)
        {
            var v = Ref.Index(lshape, f);
            int At(char c) => v[Array.IndexOf(letters, c)];
            double x = a[Ref.Flat(shapeA, sa.Select((c, i) => shapeA[i] == 1 ? 0 : At(c)).ToArray())];
            double y = b[Ref.Flat(shapeB, sb.Select((c, i) => shapeB[i] == 1 ? 0 : At(c)).ToArray())];
            outp[Ref.Flat(shapeOut, so.Select(At).ToArray())] += x * y;
        }
        return outp;
    }

    private static NdArray<double> Random(System.Random r, int[] shape, out double[] data)
    {
        data = Enumerable.Range(0, (int)Ref.Size(shape)).Select(_ => (double)r.Next(-4, 5)).ToArray();
        return NdArray.FromArray(data, shape, shape.Select(n => Ref.Chunks(r, n)).ToArray());
    }

    [TestCase("ij,jk->ik")]
    [TestCase("bij,bjk->bik")]
    [TestCase("i,j->ij")]
    [TestCase("ij,ij->ij")]
    [TestCase("ij,ij->")]
    [TestCase("i,i->")]
    [TestCase("ik,jk->ij")]
    [TestCase("ij,jk")]
    [TestCase("ijk,kj->i")]
    [TestCase("bi,bi->b")]
    [TestCase("ij,k->ik")]
    public void EinsumMatchesTheLoop(string spec)
    {
        var r = new System.Random(spec.GetHashCode(StringComparison.Ordinal) & 0xffff);
        var arrow = spec.IndexOf("->", StringComparison.Ordinal);
        var ins = (arrow < 0 ? spec : spec[..arrow]).Split(',');
        string so = arrow >= 0 ? spec[(arrow + 2)..] : new string((ins[0] + ins[1]).GroupBy(c => c).Where(g => g.Count() == 1).Select(g => g.Key).Order().ToArray());
        for (int t = 0; t < 4; t++)
        {
            var size = (ins[0] + ins[1]).Distinct().ToDictionary(c => c, _ => r.Next(1, 6));
            var shapeA = ins[0].Select(c => size[c]).ToArray();
            var shapeB = ins[1].Select(c => size[c]).ToArray();
            var a = Random(r, shapeA, out var da);
            var b = Random(r, shapeB, out var db);
            var want = EinsumLoop(ins[0], da, shapeA, ins[1], db, shapeB, so, out var shapeOut);
            var got = NdArray.Einsum(spec, a, b).Compute(_s);
            Assert.That(got.Shape, Is.EqualTo(shapeOut), spec);
            Assert.That(got.Data, Is.EqualTo(want).Within(1e-9), $"{spec} sizes {string.Join(",", size.Select(kv => $"{kv.Key}={kv.Value}"))}");
        }
    }

    [Test]
    public void MatMulOfVectorsMatricesAndStacks()
    {
        var r = new System.Random(12);
        for (int t = 0; t < 6; t++)
        {
            int m = r.Next(1, 6), k = r.Next(1, 6), n = r.Next(1, 6), batch = r.Next(1, 4);
            var v = Random(r, [k], out var dv);
            var w = Random(r, [k], out var dw);
            var a = Random(r, [m, k], out var da);
            var b = Random(r, [k, n], out var db);
            var sa = Random(r, [batch, m, k], out var dsa);
            var sb = Random(r, [batch, k, n], out var dsb);
            var one = Random(r, [1, k, n], out var done);
            (double[], int[]) Loop(string x, double[] dx, int[] shx, string y, double[] dy, int[] shy, string o)
            { var d = EinsumLoop(x, dx, shx, y, dy, shy, o, out var s); return (d, s); }
            void Check(NdArray<double> got, (double[] Data, int[] Shape) want, string what)
            {
                var c = got.Compute(_s);
                Assert.That(c.Shape, Is.EqualTo(want.Shape), what);
                Assert.That(c.Data, Is.EqualTo(want.Data).Within(1e-9), what);
            }
            Check(v.MatMul(w), Loop("k", dv, [k], "k", dw, [k], ""), "vector · vector");
            Check(v.MatMul(b), Loop("k", dv, [k], "kn", db, [k, n], "n"), "vector · matrix");
            Check(a.MatMul(w), Loop("mk", da, [m, k], "k", dw, [k], "m"), "matrix · vector");
            Check(sa.MatMul(sb), Loop("bmk", dsa, [batch, m, k], "bkn", dsb, [batch, k, n], "bmn"), "batched");
            Check(sa.MatMul(b), Loop("bmk", dsa, [batch, m, k], "kn", db, [k, n], "bmn"), "stack · matrix (broadcast)");
            Check(sa.MatMul(one), Loop("bmk", dsa, [batch, m, k], "bkn", done, [1, k, n], "bmn"), "stack · size-1 stack (broadcast)");
            Check(v.MatMul(sb), Loop("k", dv, [k], "bkn", dsb, [batch, k, n], "bn"), "vector · stack");
        }
        Assert.Throws<ArgumentException>(() => NdArray.Zeros<double>([2, 3, 4], [1, 3, 4]).MatMul(NdArray.Zeros<double>([2, 5, 4], [1, 5, 4])));
    }

    [Test]
    public void TensorDotMatchesNumPysDocumentedExample()
    {
        // numpy.tensordot's documentation: a = np.arange(60.).reshape(3, 4, 5); b = np.arange(24.).reshape(4, 3, 2);
        // np.tensordot(a, b, axes=([1, 0], [0, 1])) == [[4400, 4730], [4532, 4874], [4664, 5018], [4796, 5162], [4928, 5306]].
        var a = NdArray.FromArray(Enumerable.Range(0, 60).Select(i => (double)i).ToArray(), [3, 4, 5], [[2, 1], [3, 1], [5]]);
        var b = NdArray.FromArray(Enumerable.Range(0, 24).Select(i => (double)i).ToArray(), [4, 3, 2], [[2, 2], [3], [1, 1]]);
        var c = a.TensorDot(b, [1, 0], [0, 1]).Compute(_s);
        Assert.That(c.Shape, Is.EqualTo(new[] { 5, 2 }));
        Assert.That(c.Data, Is.EqualTo(new double[] { 4400, 4730, 4532, 4874, 4664, 5018, 4796, 5162, 4928, 5306 }));
        var r = new System.Random(3);
        var x = Random(r, [3, 4, 2], out var dx);
        var y = Random(r, [4, 2, 5], out var dy);
        var want = EinsumLoop("ijk", dx, [3, 4, 2], "jkl", dy, [4, 2, 5], "il", out _);
        Assert.That(x.TensorDot(y).Compute(_s).Data, Is.EqualTo(want).Within(1e-9), "axes=2");
        var outerWant = EinsumLoop("ijk", dx, [3, 4, 2], "lmn", dy, [4, 2, 5], "ijklmn", out var outerShape);
        var outerGot = x.TensorDot(y, 0).Compute(_s);
        Assert.That(outerGot.Shape, Is.EqualTo(outerShape), "axes=0 is the outer product");
        Assert.That(outerGot.Data, Is.EqualTo(outerWant).Within(1e-9), "axes=0 is the outer product");
        Assert.Throws<ArgumentException>(() => x.TensorDot(y, [0], [0]));
    }
}
