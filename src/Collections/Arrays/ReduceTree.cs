namespace TaskGraph.Arrays;

/// <summary>
/// The upper levels of a reduction tree: combining partials (at most split_every per task) and turning the
/// last one into the result block. Static task bodies; the operation travels as a literal argument.
/// </summary>
internal static class ReduceTree
{
    /// <summary><c>args[0]</c>: the operation (int); then the partials to combine.</summary>
    public static ReducePartial Combine(object?[] args)
    {
        var op = (ReduceOp)(int)args[0]!;
        return CombineAll(op, args, 1);
    }

    private static ReducePartial CombineAll(ReduceOp op, object?[] args, int from)
    {
        var first = (ReducePartial)args[from]!;
        var r = new ReducePartial
        {
            V = (double[])first.V.Clone(),
            M2 = (double[]?)first.M2?.Clone(),
            N = (double[]?)first.N?.Clone(),
            Idx = (long[]?)first.Idx?.Clone(),
        };
        for (int s = from + 1; s < args.Length; s++)
        {
            var b = (ReducePartial)args[s]!;
            for (int i = 0; i < r.V.Length; i++)
            {
                switch (op)
                {
                    case ReduceOp.Sum: case ReduceOp.Mean: r.V[i] += b.V[i]; break;
                    case ReduceOp.Min: case ReduceOp.All: r.V[i] = Math.Min(r.V[i], b.V[i]); break;
                    case ReduceOp.Max: case ReduceOp.Any: r.V[i] = Math.Max(r.V[i], b.V[i]); break;
                    case ReduceOp.Var: case ReduceOp.Std: ReduceKernel.Merge(r, i, b.N![i], b.V[i], b.M2![i]); break;
                    case ReduceOp.ArgMin: case ReduceOp.ArgMax:
                        if (ArgBetter(b.V[i], b.Idx![i], r.V[i], r.Idx![i], op == ReduceOp.ArgMax)) { r.V[i] = b.V[i]; r.Idx![i] = b.Idx[i]; }
                        break;
                }
            }
        }
        return r;
    }

    /// <summary>
    /// Whether candidate (<paramref name="bv"/> at <paramref name="bi"/>) replaces the current arg-extremum
    /// (<paramref name="rv"/> at <paramref name="ri"/>; index -1: none yet). As NumPy: a NaN beats every number and
    /// the first NaN wins; equal values keep the smaller index.
    /// </summary>
    internal static bool ArgBetter(double bv, long bi, double rv, long ri, bool max)
    {
        if (bi < 0) return false;
        if (ri < 0) return true;
        bool bNaN = double.IsNaN(bv), rNaN = double.IsNaN(rv);
        if (bNaN || rNaN) return bNaN && (!rNaN || bi < ri);
        if (bv == rv) return bi < ri;
        return max ? bv > rv : bv < rv;
    }

    /// <summary><c>args</c>: operation (int), element count reduced per position (long), ddof (int), result block shape (int[]), then partials.</summary>
    public static DenseArray<R> Finish<R>(object?[] args) where R : unmanaged
    {
        var op = (ReduceOp)(int)args[0]!;
        long count = (long)args[1]!;
        int ddof = (int)args[2]!;
        var shape = (int[])args[3]!;
        var p = CombineAll(op, args, 4);
        var v = new double[p.V.Length];
        for (int i = 0; i < v.Length; i++)
        {
            v[i] = op switch
            {
                ReduceOp.Mean => p.V[i] / count,
                ReduceOp.Var => p.M2![i] / (p.N![i] - ddof),
                ReduceOp.Std => Math.Sqrt(p.M2![i] / (p.N![i] - ddof)),
                ReduceOp.ArgMin or ReduceOp.ArgMax => p.Idx![i],
                _ => p.V[i],
            };
        }
        var t = DTypes.Of<R>();
        var data = new R[v.Length];
        if (t == DType.Int64 && op is ReduceOp.ArgMin or ReduceOp.ArgMax) p.Idx!.CopyTo((long[])(object)data, 0);
        else Kernels.Convert(DType.Float64, v, 0, t, data, v.Length);
        return new DenseArray<R>(data, shape);
    }
}
