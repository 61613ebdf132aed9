namespace TaskGraph.Arrays;

/// <summary>
/// The combine and aggregate bodies of array reductions, plugged into the collections' one
/// <see cref="TreeReduction"/>: combining partials (at most split_every per task) and turning the last ones into
/// the result block. Static task bodies; the operation (and the finish's parameters) travel as a typed record.
/// </summary>
internal static class ReduceTree
{
    /// <summary>Combines the partials of one tree task under <paramref name="op"/>.</summary>
    public static ReducePartial Combine(ReduceOp op, ReducePartial[] parts) => CombineAll(op, parts);

    private static ReducePartial CombineAll(ReduceOp op, ReducePartial[] args)
    {
        var first = args[0];
        var r = new ReducePartial
        {
            V = (double[])first.V.Clone(),
            M2 = (double[]?)first.M2?.Clone(),
            N = (double[]?)first.N?.Clone(),
            Idx = (long[]?)first.Idx?.Clone(),
        };
        bool addCounts = ReduceOps.SkipsNaN(op) && !ReduceOps.IsVar(op);
        var baseOp = ReduceOps.Base(op);
        for (int s = 1; s < args.Length; s++)
        {
            var b = args[s];
            for (int i = 0; i < r.V.Length; i++)
            {
                if (addCounts) r.N![i] += b.N![i];
                switch (baseOp)
                {
                    case ReduceOp.Prod: r.V[i] *= b.V[i]; break;
                    case ReduceOp.Sum: case ReduceOp.Mean: r.V[i] += b.V[i]; break;
                    case ReduceOp.Min: case ReduceOp.All: r.V[i] = Math.Min(r.V[i], b.V[i]); break;
                    case ReduceOp.Max: case ReduceOp.Any: r.V[i] = Math.Max(r.V[i], b.V[i]); break;
                    case ReduceOp.Var: case ReduceOp.Std: ReduceKernel.Merge(r, i, b.N![i], b.V[i], b.M2![i]); break;
                    case ReduceOp.ArgMin: case ReduceOp.ArgMax:
                        if (ArgBetter(b.V[i], b.Idx![i], r.V[i], r.Idx![i], baseOp == ReduceOp.ArgMax)) { r.V[i] = b.V[i]; r.Idx![i] = b.Idx[i]; }
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

    /// <summary>The result block of one output from its last partials.</summary>
    public static DenseArray<R> Finish<R>(ReduceFinish f, ReducePartial[] parts) where R : unmanaged
    {
        var op = f.Op;
        long count = f.Count;
        int ddof = f.Ddof;
        var shape = f.BlockShape;
        var p = CombineAll(op, parts);
        var v = new double[p.V.Length];
        bool nan = ReduceOps.SkipsNaN(op);
        for (int i = 0; i < v.Length; i++)
        {
            if (nan && ReduceOps.IsArg(op) && p.Idx![i] < 0)
                throw new InvalidOperationException($"All-NaN slice encountered in {op.ToString().ToLowerInvariant()} (output position {i}).");
            // As NumPy's nan-reductions: no non-NaN element gives NaN (nansum: 0), and a variance with N - ddof <= 0 is NaN.
            v[i] = ReduceOps.Base(op) switch
            {
                ReduceOp.Mean => p.V[i] / (nan ? p.N![i] : count),
                ReduceOp.Var when nan && p.N![i] - ddof <= 0 => double.NaN,
                ReduceOp.Std when nan && p.N![i] - ddof <= 0 => double.NaN,
                ReduceOp.Var => p.M2![i] / (p.N![i] - ddof),
                ReduceOp.Std => Math.Sqrt(p.M2![i] / (p.N![i] - ddof)),
                ReduceOp.ArgMin or ReduceOp.ArgMax => p.Idx![i],
                ReduceOp.Min or ReduceOp.Max when nan && p.N![i] == 0 => double.NaN,
                _ => p.V[i],
            };
        }
        var t = DTypes.Of<R>();
        var data = new R[v.Length];
        if (t == DType.Int64 && ReduceOps.IsArg(op)) p.Idx!.CopyTo((long[])(object)data, 0);
        else Kernels.Convert(DType.Float64, v, 0, t, data, v.Length);
        return new DenseArray<R>(data, shape);
    }
}

/// <summary>
/// The parameters of a reduction's finishing task: the operation, the element count reduced per position (for
/// means), ddof (for variances) and the output block's shape.
/// </summary>
internal sealed record ReduceFinish(ReduceOp Op, long Count, int Ddof, int[] BlockShape);
