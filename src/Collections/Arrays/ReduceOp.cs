namespace TaskGraph.Arrays;

/// <summary>
/// The reductions arrays support. The <c>Nan</c> ones skip NaN elements (NumPy's <c>nansum</c>…): each folds like its
/// plain reduction (<see cref="ReduceOps.Base"/>) over the non-NaN elements and counts them.
/// </summary>
internal enum ReduceOp : byte { Sum, Min, Max, Mean, Var, Std, ArgMin, ArgMax, Any, All, Prod, NanSum, NanMin, NanMax, NanMean, NanVar, NanStd, NanArgMin, NanArgMax }

/// <summary>Questions about reductions, asked in one place.</summary>
internal static class ReduceOps
{
    /// <summary>True for the NaN-skipping reductions.</summary>
    public static bool SkipsNaN(ReduceOp op) => op >= ReduceOp.NanSum;

    /// <summary>The plain reduction a NaN-skipping one folds like (the operation itself otherwise).</summary>
    public static ReduceOp Base(ReduceOp op) => op switch
    {
        ReduceOp.NanSum => ReduceOp.Sum,
        ReduceOp.NanMin => ReduceOp.Min,
        ReduceOp.NanMax => ReduceOp.Max,
        ReduceOp.NanMean => ReduceOp.Mean,
        ReduceOp.NanVar => ReduceOp.Var,
        ReduceOp.NanStd => ReduceOp.Std,
        ReduceOp.NanArgMin => ReduceOp.ArgMin,
        ReduceOp.NanArgMax => ReduceOp.ArgMax,
        _ => op,
    };

    /// <summary>True when the partial keeps per-position counts in <see cref="ReducePartial.N"/>.</summary>
    public static bool Counts(ReduceOp op) => SkipsNaN(op) || Base(op) is ReduceOp.Var or ReduceOp.Std;

    /// <summary>True for the variance family, whose counts Chan's update maintains itself.</summary>
    public static bool IsVar(ReduceOp op) => Base(op) is ReduceOp.Var or ReduceOp.Std;

    /// <summary>True for arg-reductions (an index per position).</summary>
    public static bool IsArg(ReduceOp op) => Base(op) is ReduceOp.ArgMin or ReduceOp.ArgMax;
}

/// <summary>
/// The running state of a reduction over one block's output positions, passed up the reduction tree: sums,
/// extrema, or count/mean/M2 for variance (Chan et al.'s parallel update), or value and index for arg-reductions.
/// Plain arrays, so it travels between processes as raw memory.
/// </summary>
internal sealed class ReducePartial
{
    public double[] V = [];
    public double[]? M2;
    /// <summary>Per position: the number of elements folded (variances, and the NaN-skipping reductions).</summary>
    public double[]? N;
    public long[]? Idx;

    public static ReducePartial Empty(ReduceOp op, int count)
    {
        bool counts = ReduceOps.Counts(op);
        op = ReduceOps.Base(op);
        var p = new ReducePartial { V = new double[count] };
        double init = op switch
        {
            ReduceOp.Min or ReduceOp.ArgMin => double.PositiveInfinity,
            ReduceOp.Max or ReduceOp.ArgMax => double.NegativeInfinity,
            ReduceOp.All or ReduceOp.Prod => 1,
            _ => 0,
        };
        if (init != 0) p.V.AsSpan().Fill(init);
        if (op is ReduceOp.Var or ReduceOp.Std) p.M2 = new double[count];
        if (counts) p.N = new double[count];
        if (op is ReduceOp.ArgMin or ReduceOp.ArgMax) { p.Idx = new long[count]; p.Idx.AsSpan().Fill(-1); }
        return p;
    }
}
