namespace TaskGraph.Arrays;

public static partial class LinearAlgebra
{
    /// <summary>
    /// The reduced QR factorization of a tall-and-skinny matrix by TSQR (Dask's <c>linalg.tsqr</c>, after Benson,
    /// Gleich and Demmel): each row block is factored on its own (<c>A_i = Q1_i R1_i</c>), the stacked small
    /// <c>R1_i</c> are factored once more (<c>[R1_0; R1_1; …] = Q2 R</c>), and each block of Q is
    /// <c>Q1_i · Q2_i</c> (its rows of Q2). Q keeps A's row chunks; R is one small block. The columns are brought
    /// into one chunk first; the stacked R factors (at most blocks × columns rows) must fit one task, which is the
    /// tall-and-skinny assumption. Householder reflections choose LAPACK's signs, so R's diagonal matches NumPy's
    /// up to rounding for full-rank input.
    /// </summary>
    public static (NdArray<double> Q, NdArray<double> R) Qr(NdArray<double> a)
    {
        ArgumentNullException.ThrowIfNull(a);
        if (a.Rank != 2) throw new ArgumentException($"Qr needs a 2-d array, got shape {ShapeMath.Format(a.ShapeRef)}.", nameof(a));
        int n = a.ShapeRef[1];
        var x = a.ChunksRef[1].Length == 1 ? a : a.Rechunk([a.ChunksRef[0], [n]]);
        var rows = x.ChunksRef[0];
        var grid = x.Grid;
        var layer = LayerToken.Of("array-tsqr", grid);
        var first = LayerStep.One<TsqrStep, DenseArray<double>, QrFactors>("tsqr-block", TsqrKernels.Factor, new TsqrStep(0));
        var stacked = LayerStep.Many<TsqrStep, QrFactors, QrFactors>("tsqr-stacked", TsqrKernels.FactorStacked, new TsqrStep(0));
        var qStep = LayerStep.Many<TsqrStep, QrFactors, DenseArray<double>>("tsqr-q", TsqrKernels.QBlock, new TsqrStep(0));
        var rStep = LayerStep.One<TsqrStep, QrFactors, DenseArray<double>>("tsqr-r", TsqrKernels.R, new TsqrStep(0));
        var firstStage = LayerToken.Stage(layer, first.Name);
        var qStage = LayerToken.Stage(layer, qStep.Name);
        var blockQr = new TaskSpec[rows.Length];
        for (int i = 0; i < rows.Length; i++) blockQr[i] = first.Call(firstStage[i], grid.Specs[i]);
        var top = stacked.Call(LayerToken.Stage(layer, stacked.Name)[0], blockQr);
        int k = Math.Min(rows.Sum(m => Math.Min(m, n)), n);
        var qSpecs = new TaskSpec[rows.Length];
        for (int i = 0, offset = 0; i < rows.Length; offset += Math.Min(rows[i], n), i++)
            qSpecs[i] = qStep.With(new TsqrStep(offset)).Call(qStage[i], [blockQr[i], top]);
        var rSpec = rStep.Call(LayerToken.Stage(layer, rStep.Name)[0], top);
        var q = NdArray<double>.FromGrid(new BlockGrid([x.ShapeRef[0], k], [rows, [k]], DType.Float64, qSpecs, LayerToken.Of("array-tsqr-q", layer)), "tsqr-q");
        var r = NdArray<double>.FromGrid(new BlockGrid([k, n], [[k], [n]], DType.Float64, [rSpec], LayerToken.Of("array-tsqr-r", layer)), "tsqr-r");
        return (q, r);
    }

    /// <summary>
    /// The least-squares solution of <c>a · x ≈ b</c> for a tall matrix <paramref name="a"/> (m ≥ n, full column
    /// rank) through <see cref="Qr"/>, as Dask's <c>linalg.lstsq</c>: <c>x = R⁻¹ (Qᵀ b)</c> by back substitution, and
    /// the residuals, the squared 2-norm of each column of <c>b − a·x</c> (NumPy's second result). <paramref name="b"/>
    /// is 1-d (one right-hand side; x is 1-d and the residuals have one element) or 2-d. NumPy's rank and singular
    /// values are not returned; a rank-deficient <paramref name="a"/> fails, naming the zero pivot.
    /// </summary>
    public static (NdArray<double> Solution, NdArray<double> Residuals) LeastSquares(NdArray<double> a, NdArray<double> b)
    {
        ArgumentNullException.ThrowIfNull(a);
        ArgumentNullException.ThrowIfNull(b);
        if (a.Rank != 2) throw new ArgumentException($"LeastSquares needs a 2-d matrix, got shape {ShapeMath.Format(a.ShapeRef)}.", nameof(a));
        if (b.Rank is not (1 or 2) || b.ShapeRef[0] != a.ShapeRef[0])
            throw new ArgumentException($"LeastSquares: b of shape {ShapeMath.Format(b.ShapeRef)} does not match a of shape {ShapeMath.Format(a.ShapeRef)} (same number of rows, 1 or 2 axes).", nameof(b));
        int m = a.ShapeRef[0], n = a.ShapeRef[1];
        if (m < n) throw new ArgumentException($"LeastSquares through QR needs at least as many rows as columns, got shape {ShapeMath.Format(a.ShapeRef)}.", nameof(a));
        var b2 = b.Rank == 1 ? b.Reshape(m, 1) : b;
        int cols = b2.ShapeRef[1];
        var (q, r) = Qr(a);
        var qtb = q.T.MatMul(b2).Rechunk([[n], [cols]]);
        var solve = TaskFunction.Create(new Func<DenseArray<double>, DenseArray<double>, DenseArray<double>>(TsqrKernels.BackSubstitute),
            TaskInvokers.Call2<DenseArray<double>, DenseArray<double>, DenseArray<double>>, "lstsq-solve");
        var x = NdArray<double>.Blockwise<double>("lstsq-solve", [[n], [cols]], solve.Delegate, solve.Invoker, r, qtb);
        var diff = a.MatMul(x) - b2;
        var residuals = (diff * diff).Sum(0);
        return b.Rank == 1 ? (x.Reshape(n), residuals) : (x, residuals);
    }
}

/// <summary>The parameter of a TSQR task: for a Q block, the first row of its block's R in the stacked R factors.</summary>
internal sealed record TsqrStep(int Offset);

/// <summary>A QR factorization of one matrix: reduced Q (m × k) and upper-triangular R (k × n), k = min(m, n).</summary>
internal sealed class QrFactors
{
    public DenseArray<double> Q = null!;
    public DenseArray<double> R = null!;
}

/// <summary>The task bodies of TSQR and least squares, on row-major blocks.</summary>
internal static class TsqrKernels
{
    public static QrFactors Factor(TsqrStep _, DenseArray<double> block) => Householder(block.Data, block.Shape[0], block.Shape[1]);

    /// <summary>Stacks the blocks' R factors vertically and factors them.</summary>
    public static QrFactors FactorStacked(TsqrStep _, QrFactors[] blocks)
    {
        int n = blocks[0].R.Shape[1];
        var stacked = blocks.SelectMany(f => f.R.Data).ToArray();
        return Householder(stacked, stacked.Length / Math.Max(n, 1), n);
    }

    /// <summary>Q1_i · (rows <c>Offset</c>… of Q2): inputs are the block's factors, then the stacked factors.</summary>
    public static DenseArray<double> QBlock(TsqrStep p, QrFactors[] inputs)
    {
        var q1 = inputs[0].Q;
        var q2 = inputs[1].Q;
        int m = q1.Shape[0], kb = q1.Shape[1], k = q2.Shape[1];
        var c = new double[m * k];
        if (kb > 0 && k > 0) Gemm.Multiply(m, k, kb, q1.Data, q2.Data.AsSpan(p.Offset * k, kb * k).ToArray(), c);
        return new DenseArray<double>(c, m, k);
    }

    public static DenseArray<double> R(TsqrStep _, QrFactors top) => top.R;

    /// <summary>
    /// Householder QR of the row-major m × n matrix <paramref name="a"/>. Reflector j maps column j below the
    /// diagonal onto <c>alpha·e_j</c> with <c>alpha = −sign(a_jj)·‖x‖</c> (LAPACK's choice, which avoids cancellation).
    /// </summary>
    public static QrFactors Householder(double[] a, int m, int n)
    {
        int k = Math.Min(m, n);
        var r = (double[])a.Clone();
        var vs = new double[k][];
        for (int j = 0; j < k; j++)
        {
            double norm = 0;
            for (int i = j; i < m; i++) norm += r[i * n + j] * r[i * n + j];
            norm = Math.Sqrt(norm);
            if (norm == 0) continue;
            double alpha = r[j * n + j] > 0 ? -norm : norm;
            var v = new double[m - j];
            for (int i = j; i < m; i++) v[i - j] = r[i * n + j];
            v[0] -= alpha;
            double vv = 0;
            foreach (var e in v) vv += e * e;
            if (vv == 0) continue;
            for (int c = j; c < n; c++)
            {
                double s = 0;
                for (int i = j; i < m; i++) s += v[i - j] * r[i * n + c];
                double f = 2 * s / vv;
                for (int i = j; i < m; i++) r[i * n + c] -= f * v[i - j];
            }
            vs[j] = v;
        }
        // Q = H_0 H_1 … H_{k-1} applied to the first k columns of the identity.
        var q = new double[m * k];
        for (int i = 0; i < k; i++) q[i * k + i] = 1;
        for (int j = k - 1; j >= 0; j--)
        {
            var v = vs[j];
            if (v is null) continue;
            double vv = 0;
            foreach (var e in v) vv += e * e;
            for (int c = 0; c < k; c++)
            {
                double s = 0;
                for (int i = j; i < m; i++) s += v[i - j] * q[i * k + c];
                double f = 2 * s / vv;
                for (int i = j; i < m; i++) q[i * k + c] -= f * v[i - j];
            }
        }
        var rk = new double[k * n];
        for (int i = 0; i < k; i++)
            for (int c = i; c < n; c++) rk[i * n + c] = r[i * n + c];
        return new QrFactors { Q = new DenseArray<double>(q, m, k), R = new DenseArray<double>(rk, k, n) };
    }

    /// <summary>Solves the upper-triangular <c>R · x = y</c> column by column.</summary>
    public static DenseArray<double> BackSubstitute(DenseArray<double> r, DenseArray<double> y)
    {
        int n = r.Shape[1], cols = y.Shape[1];
        if (r.Shape[0] != n) throw new InvalidOperationException($"Least squares needs a square R factor, got shape {ShapeMath.Format(r.Shape)}.");
        var x = new double[n * cols];
        double scale = 0;
        for (int i = 0; i < n; i++) scale = Math.Max(scale, Math.Abs(r.Data[i * n + i]));
        for (int c = 0; c < cols; c++)
            for (int i = n - 1; i >= 0; i--)
            {
                double pivot = r.Data[i * n + i];
                if (Math.Abs(pivot) <= scale * n * 1e-15 || pivot == 0)
                    throw new InvalidOperationException($"Least squares: the matrix is rank deficient (R[{i}, {i}] = {pivot} relative to the largest pivot {scale}).");
                double s = y.Data[i * cols + c];
                for (int j = i + 1; j < n; j++) s -= r.Data[i * n + j] * x[j * cols + c];
                x[i * cols + c] = s / pivot;
            }
        return new DenseArray<double>(x, n, cols);
    }
}
