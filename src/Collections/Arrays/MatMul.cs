namespace TaskGraph;

public sealed partial class NdArray<E>
{
    /// <summary>
    /// Matrix product of two 2-d arrays, blocked: for every output block (i, j) one task per contraction block k
    /// multiplies A[i, k]·B[k, j] (see <see cref="Gemm"/>), and the partial products are summed as a tree of at
    /// most <paramref name="splitEvery"/> per task. B is rechunked along its first axis to A's column chunks when
    /// they differ. Mismatched inner dimensions fail here, naming both shapes.
    /// </summary>
    public NdArray<E> MatMul(NdArray<E> other, int splitEvery = DefaultSplitEvery)
    {
        ArgumentNullException.ThrowIfNull(other);
        if (Rank != 2 || other.Rank != 2)
            throw new ArgumentException($"MatMul needs two 2-d arrays, got shapes {ShapeMath.Format(ShapeRef)} and {ShapeMath.Format(other.ShapeRef)}.");
        if (ShapeRef[1] != other.ShapeRef[0])
            throw new ArgumentException($"MatMul inner dimensions differ: shapes {ShapeMath.Format(ShapeRef)} and {ShapeMath.Format(other.ShapeRef)} ({ShapeRef[1]} != {other.ShapeRef[0]}).");
        if (DType == DType.Bool) throw new InvalidOperationException("MatMul is not defined on bool arrays.");
        if (splitEvery < 2) throw new ArgumentOutOfRangeException(nameof(splitEvery), $"split_every must be at least 2, got {splitEvery}.");
        var b = other.ChunksRef[0].SequenceEqual(ChunksRef[1]) ? other : other.Rechunk([ChunksRef[1], other.ChunksRef[1]]);
        var ga = Grid;
        var gb = b.Grid;
        int bi = ChunksRef[0].Length, bk = ChunksRef[1].Length, bj = b.ChunksRef[1].Length;
        var product = TaskFunction.Create(new Func<DenseArray<E>, DenseArray<E>, DenseArray<double>>(BlockProduct), TaskInvokers.Call2<DenseArray<E>, DenseArray<E>, DenseArray<double>>, "matmul");
        var sum = TaskFunction.Create(new Func<object?[], DenseArray<double>>(SumBlocks<double>), TaskInvokers.CallArgs<DenseArray<double>>, "matmul-sum");
        var last = TaskFunction.Create(new Func<object?[], DenseArray<E>>(SumBlocks<E>), TaskInvokers.CallArgs<DenseArray<E>>, "matmul-sum");
        var layer = LayerToken.Of("matmul", ga, gb, splitEvery);
        int key = 0;
        var specs = new TaskSpec[bi * bj];
        for (int i = 0; i < bi; i++)
            for (int j = 0; j < bj; j++)
            {
                var level = new List<TaskSpec>();
                for (int k = 0; k < bk; k++)
                    level.Add(TaskSpec.Call(TaskKey.ForPartition("matmul", layer, key++), product, TaskArg.Of(ga.At([i, k])), TaskArg.Of(gb.At([k, j]))));
                while (level.Count > splitEvery)
                {
                    var next = new List<TaskSpec>();
                    for (int s = 0; s < level.Count; s += splitEvery)
                    {
                        var part = level.Skip(s).Take(splitEvery).ToList();
                        next.Add(part.Count == 1 ? part[0] : TaskSpec.Call(TaskKey.ForPartition("matmul-sum", layer, key++), sum, part.Select(TaskArg.Of).ToArray()));
                    }
                    level = next;
                }
                specs[i * bj + j] = TaskSpec.Call(TaskKey.ForPartition("matmul-sum", layer, key++), last, level.Select(TaskArg.Of).ToArray());
            }
        var shape = new[] { ShapeRef[0], b.ShapeRef[1] };
        return FromGrid(new BlockGrid(shape, [ChunksRef[0], b.ChunksRef[1]], DType, specs, layer), "matmul");
    }

    /// <summary>Same as <see cref="MatMul"/> (NumPy's <c>dot</c> for 2-d arrays).</summary>
    public NdArray<E> Dot(NdArray<E> other) => MatMul(other);

    private static DenseArray<double> BlockProduct(DenseArray<E> a, DenseArray<E> b)
    {
        int m = a.Shape[0], k = a.Shape[1], n = b.Shape[1];
        // Uninitialized: Multiply overwrites every element (large blocks skip a needless zeroing pass).
        var c = GC.AllocateUninitializedArray<double>(m * n);
        Gemm.Multiply(m, n, k, AsDouble(a.Data), AsDouble(b.Data), c);
        return new DenseArray<double>(c, m, n);
    }

    private static double[] AsDouble(E[] data)
    {
        if (data is double[] d) return d;
        var r = new double[data.Length];
        Kernels.Convert(DTypes.Of<E>(), data, 0, DType.Float64, r, data.Length);
        return r;
    }

    /// <summary>Sums same-shaped double blocks (partial products), converting the total to <typeparamref name="R"/>.</summary>
    private static DenseArray<R> SumBlocks<R>(object?[] args) where R : unmanaged
    {
        var first = (DenseArray<double>)args[0]!;
        double[] acc = first.Data;
        if (args.Length > 1)
        {
            acc = GC.AllocateUninitializedArray<double>(first.Data.Length);
            System.Numerics.Tensors.TensorPrimitives.Add(first.Data, ((DenseArray<double>)args[1]!).Data, acc);
        }
        for (int i = 2; i < args.Length; i++)
            System.Numerics.Tensors.TensorPrimitives.Add(acc, ((DenseArray<double>)args[i]!).Data, acc);
        if (acc is R[] same) return new DenseArray<R>(same, first.Shape);
        var r = new R[acc.Length];
        Kernels.Convert(DType.Float64, acc, 0, DTypes.Of<R>(), r, acc.Length);
        return new DenseArray<R>(r, first.Shape);
    }
}
