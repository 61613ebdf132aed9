namespace TaskGraph.Tests.Arrays;

/// <summary>
/// TSQR and least squares on tall arrays with random row chunkings, checked by their defining properties with
/// loops (Q·R = A, QᵀQ = I, R upper triangular; the normal equations AᵀA x = Aᵀb) and NumPy's lstsq example.
/// </summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class ArrayQrSuite(string schedulerName)
{
    private IScheduler _s = null!;

    [OneTimeSetUp]
    public void Create() => _s = SchedulerCases.Create(schedulerName);

    [Test]
    public void TsqrFactorsTallMatricesOverAnyRowChunking()
    {
        var r = new System.Random(21);
        for (int t = 0; t < 8; t++)
        {
            int n = r.Next(1, 6), m = n + r.Next(0, 40);
            var data = Enumerable.Range(0, m * n).Select(_ => r.NextDouble() * 2 - 1).ToArray();
            var a = NdArray.FromArray(data, [m, n], [Ref.Chunks(r, m), Ref.Chunks(r, n)]);
            var (q, rr) = LinearAlgebra.Qr(a);
            var Q = q.Compute(_s);
            var R = rr.Compute(_s);
            Assert.That(Q.Shape, Is.EqualTo(new[] { m, n }));
            Assert.That(R.Shape, Is.EqualTo(new[] { n, n }));
            Assert.That(q.Chunks[0], Is.EqualTo(a.Chunks[0]), "Q keeps A's row chunks");
            for (int i = 0; i < n; i++)
                for (int j = 0; j < i; j++) Assert.That(R[i, j], Is.EqualTo(0.0), "R is upper triangular");
            for (int i = 0; i < m; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int k = 0; k < n; k++) s += Q[i, k] * R[k, j];
                    Assert.That(s, Is.EqualTo(data[i * n + j]).Within(1e-12), $"(QR)[{i},{j}], shape {m}x{n}");
                }
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                {
                    double s = 0;
                    for (int k = 0; k < m; k++) s += Q[k, i] * Q[k, j];
                    Assert.That(s, Is.EqualTo(i == j ? 1.0 : 0.0).Within(1e-12), $"(QᵀQ)[{i},{j}]");
                }
        }
    }

    /// <summary>Solves the normal equations AᵀA x = Aᵀb by Gaussian elimination with partial pivoting.</summary>
    private static double[] NormalEquations(double[] a, int m, int n, double[] b)
    {
        var g = new double[n, n + 1];
        for (int i = 0; i < n; i++)
        {
            for (int j = 0; j < n; j++) for (int k = 0; k < m; k++) g[i, j] += a[k * n + i] * a[k * n + j];
            for (int k = 0; k < m; k++) g[i, n] += a[k * n + i] * b[k];
        }
        for (int c = 0; c < n; c++)
        {
            int p = Enumerable.Range(c, n - c).MaxBy(i => Math.Abs(g[i, c]));
            for (int j = 0; j <= n; j++) (g[c, j], g[p, j]) = (g[p, j], g[c, j]);
            for (int i = 0; i < n; i++)
            {
                if (i == c) continue;
                double f = g[i, c] / g[c, c];
                for (int j = c; j <= n; j++) g[i, j] -= f * g[c, j];
            }
        }
        return Enumerable.Range(0, n).Select(i => g[i, n] / g[i, i]).ToArray();
    }

    [Test]
    public void LeastSquaresSolvesTheNormalEquations()
    {
        // NumPy's lstsq documentation: x = [0, 1, 2, 3], y = [-1, 0.2, 0.9, 2.1], A = [x, 1] gives m = 1.0, c = -0.95.
        var A = NdArray.FromArray(new[] { 0.0, 1, 1, 1, 2, 1, 3, 1 }, [4, 2], [[1, 3], [2]]);
        var y = NdArray.FromArray(new[] { -1, 0.2, 0.9, 2.1 }, [4], [[2, 2]]);
        var (fit, res) = LinearAlgebra.LeastSquares(A, y);
        Assert.That(fit.Compute(_s).Data, Is.EqualTo(new[] { 1.0, -0.95 }).Within(1e-12));
        // Residual: Σ (y − (x − 0.95))² = 0.05² + 0.15² + 0.15² + 0.05².
        Assert.That(res.Compute(_s).Data, Is.EqualTo(new[] { 0.0025 + 0.0225 + 0.0225 + 0.0025 }).Within(1e-12));
        var r = new System.Random(17);
        for (int t = 0; t < 6; t++)
        {
            int n = r.Next(1, 5), m = n + r.Next(1, 30), cols = r.Next(1, 3);
            var da = Enumerable.Range(0, m * n).Select(_ => r.NextDouble() * 2 - 1).ToArray();
            var db = Enumerable.Range(0, m * cols).Select(_ => r.NextDouble() * 4 - 2).ToArray();
            var a = NdArray.FromArray(da, [m, n], [Ref.Chunks(r, m), [n]]);
            var b = NdArray.FromArray(db, [m, cols], [Ref.Chunks(r, m), [cols]]);
            var (x, residuals) = LinearAlgebra.LeastSquares(a, b);
            var X = x.Compute(_s);
            var Rs = residuals.Compute(_s);
            for (int c = 0; c < cols; c++)
            {
                var bc = Enumerable.Range(0, m).Select(i => db[i * cols + c]).ToArray();
                var want = NormalEquations(da, m, n, bc);
                for (int i = 0; i < n; i++) Assert.That(X[i, c], Is.EqualTo(want[i]).Within(1e-9), $"x[{i},{c}] shape {m}x{n}");
                double rss = 0;
                for (int i = 0; i < m; i++)
                {
                    double fitted = 0;
                    for (int j = 0; j < n; j++) fitted += da[i * n + j] * want[j];
                    rss += (bc[i] - fitted) * (bc[i] - fitted);
                }
                Assert.That(Rs.Data[c], Is.EqualTo(rss).Within(1e-9));
            }
        }
        var singular = NdArray.FromArray(new[] { 1.0, 2, 2, 4, 3, 6 }, [3, 2], [[2, 1], [2]]);
        var ex = Assert.Catch(() => LinearAlgebra.LeastSquares(singular, NdArray.FromArray(new[] { 1.0, 2, 3 }, [3], [[3]])).Solution.Compute(_s));
        Assert.That(ex!.ToString(), Does.Contain("rank deficient"));
    }
}
