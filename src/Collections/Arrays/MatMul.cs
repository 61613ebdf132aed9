namespace TaskGraph.Arrays;

public sealed partial class NdArray<E>
{
    /// <summary>
    /// Matrix product of two 2-d arrays, blocked. For every output block (i, j) the contraction blocks k are taken
    /// <paramref name="splitEvery"/> at a time: one task multiplies-and-accumulates its group's products
    /// A[i, k]·B[k, j] into one buffer (see <see cref="Gemm"/>), and when there are several groups their partial
    /// sums are added as a tree of at most <paramref name="splitEvery"/> per task, so no task receives more than
    /// 2·<paramref name="splitEvery"/> blocks. B is rechunked along its first axis to A's column chunks when they
    /// differ. Mismatched inner dimensions fail here, naming both shapes.
    /// </summary>
    /// <para>
    /// Other ranks follow NumPy's <c>matmul</c>: a 1-d left operand is a row vector and a 1-d right operand a column
    /// vector (the added axis is removed from the result), and operands of 3 or more axes are stacks of matrices
    /// whose leading (batch) axes broadcast; a batched product runs as <see cref="NdArray.Einsum{E}"/>'s fused
    /// multiply-and-sum (one reduction over the contracted axis), not through the blocked GEMM.
    /// </para>
    public NdArray<E> MatMul(NdArray<E> other, int splitEvery = DefaultSplitEvery)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Rank == 0 || other.Rank == 0)
            throw new ArgumentException($"MatMul needs arrays of at least one axis, got shapes {ShapeMath.Format(ShapeRef)} and {ShapeMath.Format(other.ShapeRef)}.");
        if (Rank == 1 && other.Rank == 1) return MatMul2D(Reshape(1, ShapeRef[0]), other.Reshape(other.ShapeRef[0], 1), splitEvery).Reshape();
        if (Rank == 1) { var r = Reshape(1, ShapeRef[0]).MatMul(other, splitEvery); return r.Reshape([.. r.ShapeRef[..^2], r.ShapeRef[^1]]); }
        if (other.Rank == 1) { var r = MatMul(other.Reshape(other.ShapeRef[0], 1), splitEvery); return r.Reshape(r.ShapeRef[..^1]); }
        if (Rank == 2 && other.Rank == 2) return MatMul2D(this, other, splitEvery);
        if (ShapeRef[^1] != other.ShapeRef[^2])
            throw new ArgumentException($"MatMul inner dimensions differ: shapes {ShapeMath.Format(ShapeRef)} and {ShapeMath.Format(other.ShapeRef)} ({ShapeRef[^1]} != {other.ShapeRef[^2]}).");
        // Batched: "…ij,…jk->…ik" with the batch axes aligned on the right (NumPy broadcasting).
        int nb = Math.Max(Rank, other.Rank) - 2;
        var batch = Enumerable.Range(0, nb).Select(i => (char)('n' + i)).ToArray();
        string A = new string(batch[(nb - (Rank - 2))..]) + "ij", B = new string(batch[(nb - (other.Rank - 2))..]) + "jk";
        return NdArray.Einsum($"{A},{B}->{new string(batch)}ik", this, other);
    }

    private static NdArray<E> MatMul2D(NdArray<E> self, NdArray<E> other, int splitEvery) => self.MatMul2D(other, splitEvery);

    private NdArray<E> MatMul2D(NdArray<E> other, int splitEvery)
    {
        if (ShapeRef[1] != other.ShapeRef[0])
            throw new ArgumentException($"MatMul inner dimensions differ: shapes {ShapeMath.Format(ShapeRef)} and {ShapeMath.Format(other.ShapeRef)} ({ShapeRef[1]} != {other.ShapeRef[0]}).");
        if (DType == DType.Bool) throw new InvalidOperationException("MatMul is not defined on bool arrays.");
        TreeReduction.CheckSplitEvery(splitEvery, nameof(splitEvery));
        var b = other.ChunksRef[0].SequenceEqual(ChunksRef[1]) ? other : other.Rechunk([ChunksRef[1], other.ChunksRef[1]]);
        var ga = Grid;
        var gb = b.Grid;
        int bi = ChunksRef[0].Length, bk = ChunksRef[1].Length, bj = b.ChunksRef[1].Length;
        // A group's task returns the final element type when it is the only group, else a double partial sum.
        var partial = LayerStep.Many<MatMulTask, DenseArray<E>, DenseArray<double>>("matmul", BlockProducts<double>, new MatMulTask());
        var whole = LayerStep.Many<MatMulTask, DenseArray<E>, DenseArray<E>>("matmul", BlockProducts<E>, new MatMulTask());
        // The partial sums of the groups go up the collections' one tree reduction (double partials, the last sum converts).
        var sum = LayerStep.Many<MatMulTask, DenseArray<double>, DenseArray<double>>("matmul-sum", SumBlocks<double>, new MatMulTask());
        var last = LayerStep.Many<MatMulTask, DenseArray<double>, DenseArray<E>>("matmul-sum", SumBlocks<E>, new MatMulTask());
        var layer = LayerToken.Of("array-matmul", ga, gb, splitEvery);
        var products = LayerToken.Stage(layer, "matmul");
        int key = 0;
        bool oneGroup = bk <= splitEvery;
        var specs = new TaskSpec[bi * bj];
        for (int i = 0; i < bi; i++)
            for (int j = 0; j < bj; j++)
            {
                var level = new List<TaskSpec>();
                for (int k0 = 0; k0 < bk; k0 += splitEvery)
                {
                    var blocks = new List<TaskSpec>();
                    for (int k = k0; k < Math.Min(bk, k0 + splitEvery); k++)
                    {
                        blocks.Add(ga.At([i, k]));
                        blocks.Add(gb.At([k, j]));
                    }
                    level.Add((oneGroup ? whole : partial).Call(products[key++], blocks.ToArray()));
                }
                specs[i * bj + j] = oneGroup ? level[0] : TreeReduction.Reduce(level, splitEvery, layer, sum, last, output: i * bj + j);
            }
        var shape = new[] { ShapeRef[0], b.ShapeRef[1] };
        return FromGrid(new BlockGrid(shape, [ChunksRef[0], b.ChunksRef[1]], DType, specs, layer), "matmul");
    }

    /// <summary>Same as <see cref="MatMul"/> (NumPy's <c>dot</c> for 1-d and 2-d arrays).</summary>
    public NdArray<E> Dot(NdArray<E> other) => MatMul(other);

    /// <summary>
    /// Sum of products over the last <paramref name="axes"/> axes of this array and the first ones of
    /// <paramref name="other"/> (NumPy's <c>tensordot(a, b, axes=n)</c>).
    /// </summary>
    public NdArray<E> TensorDot(NdArray<E> other, int axes = 2)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (axes < 0 || axes > Rank || axes > other.Rank) throw new ArgumentOutOfRangeException(nameof(axes), $"Cannot contract {axes} axes of shapes {ShapeMath.Format(ShapeRef)} and {ShapeMath.Format(other.ShapeRef)}.");
        return TensorDot(other, Enumerable.Range(Rank - axes, axes).ToArray(), Enumerable.Range(0, axes).ToArray());
    }

    /// <summary>
    /// Sum of products over the axis pairs (<paramref name="axesA"/>[i], <paramref name="axesB"/>[i]) (NumPy's
    /// <c>tensordot(a, b, axes=(axesA, axesB))</c>); the result has this array's remaining axes, then
    /// <paramref name="other"/>'s. Both operands are transposed and reshaped to matrices (free × contracted,
    /// contracted × free), so the product runs through the blocked <see cref="MatMul"/> (BLAS when present); the
    /// reshape gives each block whole contracted rows.
    /// </summary>
    public NdArray<E> TensorDot(NdArray<E> other, int[] axesA, int[] axesB)
    {
        ArgumentNullException.ThrowIfNull(other);
        ArgumentNullException.ThrowIfNull(axesA);
        ArgumentNullException.ThrowIfNull(axesB);
        if (axesA.Length != axesB.Length) throw new ArgumentException($"TensorDot needs as many axes of each operand, got [{string.Join(", ", axesA)}] and [{string.Join(", ", axesB)}].");
        var ca = axesA.Select(a => ShapeMath.CheckAxis(a, Rank)).ToArray();
        var cb = axesB.Select(a => ShapeMath.CheckAxis(a, other.Rank)).ToArray();
        if (ca.Distinct().Count() != ca.Length || cb.Distinct().Count() != cb.Length) throw new ArgumentException("TensorDot axes repeat an axis.");
        for (int i = 0; i < ca.Length; i++)
            if (ShapeRef[ca[i]] != other.ShapeRef[cb[i]])
                throw new ArgumentException($"TensorDot shape mismatch: axis {ca[i]} of {ShapeMath.Format(ShapeRef)} has {ShapeRef[ca[i]]} but axis {cb[i]} of {ShapeMath.Format(other.ShapeRef)} has {other.ShapeRef[cb[i]]}.");
        var freeA = Enumerable.Range(0, Rank).Where(a => !ca.Contains(a)).ToArray();
        var freeB = Enumerable.Range(0, other.Rank).Where(a => !cb.Contains(a)).ToArray();
        int m = checked((int)ShapeMath.Size(freeA.Select(a => ShapeRef[a]).ToArray()));
        int k = checked((int)ShapeMath.Size(ca.Select(a => ShapeRef[a]).ToArray()));
        int n = checked((int)ShapeMath.Size(freeB.Select(a => other.ShapeRef[a]).ToArray()));
        var a2 = Transpose([.. freeA, .. ca]).Reshape(m, k);
        var b2 = other.Transpose([.. cb, .. freeB]).Reshape(k, n);
        return a2.MatMul2D(b2, DefaultSplitEvery).Reshape([.. freeA.Select(a => ShapeRef[a]), .. freeB.Select(a => other.ShapeRef[a])]);
    }

    /// <summary>
    /// Σ A_p·B_p over the (A, B) block pairs in <paramref name="args"/>, accumulated in one buffer (the first
    /// product overwrites it, the rest add in place), converted to <typeparamref name="R"/>.
    /// </summary>
    private static DenseArray<R> BlockProducts<R>(MatMulTask _, DenseArray<E>[] args) where R : unmanaged
    {
        var a0 = args[0];
        var b0 = args[1];
        int m = a0.Shape[0], n = b0.Shape[1];
        // Uninitialized: the first product overwrites every element (large blocks skip a needless zeroing pass).
        var c = GC.AllocateUninitializedArray<double>(m * n);
        for (int p = 0; p < args.Length; p += 2)
        {
            var a = args[p];
            var b = args[p + 1];
            if (p == 0) Gemm.Multiply(m, n, a.Shape[1], AsDouble(a.Data), AsDouble(b.Data), c);
            else Gemm.MultiplyAdd(m, n, a.Shape[1], AsDouble(a.Data), AsDouble(b.Data), c);
        }
        return Converted<R>(c, m, n);
    }

    private static double[] AsDouble(E[] data)
    {
        if (data is double[] d) return d;
        var r = new double[data.Length];
        Kernels.Convert(DTypes.Of<E>(), data, 0, DType.Float64, r, data.Length);
        return r;
    }

    /// <summary>Sums same-shaped double blocks (partial products), converting the total to <typeparamref name="R"/>.</summary>
    private static DenseArray<R> SumBlocks<R>(MatMulTask _, DenseArray<double>[] args) where R : unmanaged
    {
        var first = args[0];
        double[] acc = first.Data;
        if (args.Length > 1)
        {
            acc = GC.AllocateUninitializedArray<double>(first.Data.Length);
            System.Numerics.Tensors.TensorPrimitives.Add(first.Data, args[1].Data, acc);
        }
        for (int i = 2; i < args.Length; i++)
            System.Numerics.Tensors.TensorPrimitives.Add(acc, args[i].Data, acc);
        return Converted<R>(acc, first.Shape);
    }

    private static DenseArray<R> Converted<R>(double[] values, params int[] shape) where R : unmanaged
    {
        if (values is R[] same) return new DenseArray<R>(same, shape);
        var r = new R[values.Length];
        Kernels.Convert(DType.Float64, values, 0, DTypes.Of<R>(), r, values.Length);
        return new DenseArray<R>(r, shape);
    }
}

/// <summary>
/// The parameters of a matmul's tasks: none (the element types are the functions' type arguments). A product task's
/// inputs are its group's (A, B) block pairs in order; a sum task's are partial sums.
/// </summary>
internal sealed record MatMulTask;
