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
    public NdArray<E> MatMul(NdArray<E> other, int splitEvery = DefaultSplitEvery)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Rank != 2 || other.Rank != 2)
            throw new ArgumentException($"MatMul needs two 2-d arrays, got shapes {ShapeMath.Format(ShapeRef)} and {ShapeMath.Format(other.ShapeRef)}.");
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

    /// <summary>Same as <see cref="MatMul"/> (NumPy's <c>dot</c> for 2-d arrays).</summary>
    public NdArray<E> Dot(NdArray<E> other) => MatMul(other);

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
