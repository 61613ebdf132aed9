namespace TaskGraph.Arrays;

/// <summary>The reductions arrays support.</summary>
internal enum ReduceOp : byte { Sum, Min, Max, Mean, Var, Std, ArgMin, ArgMax, Any, All }

/// <summary>
/// The running state of a reduction over one block's output positions, passed up the reduction tree: sums,
/// extrema, or count/mean/M2 for variance (Chan et al.'s parallel update), or value and index for arg-reductions.
/// Plain arrays, so it travels between processes as raw memory.
/// </summary>
internal sealed class ReducePartial
{
    public double[] V = [];
    public double[]? M2;
    public double[]? N;
    public long[]? Idx;

    public static ReducePartial Empty(ReduceOp op, int count)
    {
        var p = new ReducePartial { V = new double[count] };
        double init = op switch
        {
            ReduceOp.Min or ReduceOp.ArgMin => double.PositiveInfinity,
            ReduceOp.Max or ReduceOp.ArgMax => double.NegativeInfinity,
            ReduceOp.All => 1,
            _ => 0,
        };
        if (init != 0) p.V.AsSpan().Fill(init);
        if (op is ReduceOp.Var or ReduceOp.Std) { p.M2 = new double[count]; p.N = new double[count]; }
        if (op is ReduceOp.ArgMin or ReduceOp.ArgMax) { p.Idx = new long[count]; p.Idx.AsSpan().Fill(-1); }
        return p;
    }
}
