using System.Numerics.Tensors;

namespace TaskGraph.Arrays;

/// <summary>
/// First stage of a reduction: runs the array's fused program for one block tile by tile and folds each tile
/// into a <see cref="ReducePartial"/> over the block's kept positions, so the block itself is never stored.
/// Plain data (the delegate target of the chunk tasks). Parameter and inputs as for <see cref="BlockProgram.Run{T}"/>.
/// </summary>
internal sealed class ReduceKernel
{
    public BlockProgram Program = null!;
    public ReduceOp Op;
    public bool[] Reduced = [];
    /// <summary>For arg-reductions: the axis whose index is reported, or -1 for the flat index.</summary>
    public int ArgAxis = -1;

    [ThreadStatic] private static double[]? t_dev;
    private double[] _dev => t_dev ??= new double[BlockEvaluator.Tile];

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    public ReducePartial Run(int[] blockIndex, object[] sources)
    {
        var ev = new BlockEvaluator(Program, blockIndex, sources, 0);
        var shape = ev.Shape;
        int n = shape.Length;
        // Output positions: the kept axes of this block, C order.
        var outStride = new long[n];
        long acc = 1;
        for (int k = n - 1; k >= 0; k--) if (!Reduced[k]) { outStride[k] = acc; acc *= shape[k]; }
        var part = ReducePartial.Empty(Op, (int)acc);
        if (ev.Count == 0) return part;
        var gStride = ShapeMath.Strides(Program.Shape);
        bool allReduced = Reduced.All(r => r);
        bool lastReduced = n == 0 || Reduced[n - 1];
        bool arg = ReduceOps.IsArg(Op);
        var tmp = new double[BlockEvaluator.Tile];
        var coords = new int[n];
        for (int f0 = 0; f0 < ev.Count; f0 += BlockEvaluator.Tile)
        {
            int len = Math.Min(BlockEvaluator.Tile, ev.Count - f0);
            var (data, off, scalar) = ev.EvalTile(f0, len);
            ReadOnlySpan<double> x;
            if (ev.Type == DType.Float64 && !scalar) x = new ReadOnlySpan<double>((double[])data, off, len);
            else
            {
                Kernels.Convert(ev.Type, data, off, DType.Float64, tmp, scalar ? 1 : len);
                if (scalar) tmp.AsSpan(1, len - 1).Fill(tmp[0]);
                x = tmp.AsSpan(0, len);
            }
            if (allReduced && !arg) { FoldScalar(part, 0, x, 0, 0); continue; }
            // Walk the tile row piece by row piece (a piece lies within one last-axis row).
            int rem = f0;
            for (int a = n - 1; a >= 0; a--) { coords[a] = rem % shape[a]; rem /= shape[a]; }
            int pos = 0;
            while (pos < len)
            {
                int piece = n == 0 ? len : Math.Min(shape[n - 1] - coords[n - 1], len - pos);
                long o = 0;
                for (int k = 0; k < n; k++) o += coords[k] * outStride[k];
                long idx0 = 0, idxStep = 0;
                if (arg)
                {
                    if (ArgAxis < 0)
                    {
                        for (int k = 0; k < n; k++) idx0 += (ev.BlockOffset[k] + coords[k]) * gStride[k];
                        idxStep = 1;
                    }
                    else
                    {
                        idx0 = ev.BlockOffset[ArgAxis] + coords[ArgAxis];
                        idxStep = ArgAxis == n - 1 ? 1 : 0;
                    }
                }
                var p = x.Slice(pos, piece);
                if (lastReduced) FoldScalar(part, (int)o, p, idx0, idxStep);
                else FoldVector(part, (int)o, p, idx0);
                pos += piece;
                if (n == 0) break;
                coords[n - 1] += piece;
                for (int k = n - 1; k > 0 && coords[k] == shape[k]; k--) { coords[k] = 0; coords[k - 1]++; }
            }
        }
        return part;
    }

    /// <summary>
    /// Folds all of <paramref name="x"/> into output position <paramref name="o"/>; a NaN-skipping reduction folds
    /// each run of non-NaN elements (so data without NaN still folds in one vectorized call) and counts them.
    /// </summary>
    private void FoldScalar(ReducePartial p, int o, ReadOnlySpan<double> x, long idx0, long idxStep)
    {
        if (!ReduceOps.SkipsNaN(Op)) { Scalar(p, o, x, idx0, idxStep); return; }
        bool isVar = ReduceOps.IsVar(Op);
        int i = 0;
        while (i < x.Length)
        {
            while (i < x.Length && double.IsNaN(x[i])) i++;
            int s = i;
            while (i < x.Length && !double.IsNaN(x[i])) i++;
            if (i == s) continue;
            Scalar(p, o, x[s..i], idx0 + s * idxStep, idxStep);
            if (!isVar) p.N![o] += i - s;
        }
    }

    /// <summary>Folds <paramref name="x"/>[i] into output position <paramref name="o"/> + i, skipping NaN for the NaN-skipping reductions.</summary>
    private void FoldVector(ReducePartial p, int o, ReadOnlySpan<double> x, long idx)
    {
        if (!ReduceOps.SkipsNaN(Op)) { Vector(p, o, x, idx); return; }
        bool isVar = ReduceOps.IsVar(Op);
        for (int i = 0; i < x.Length; i++)
        {
            if (double.IsNaN(x[i])) continue;
            Scalar(p, o + i, x.Slice(i, 1), idx, 0);
            if (!isVar) p.N![o + i]++;
        }
    }

    /// <summary>Folds all of <paramref name="x"/> into output position <paramref name="o"/>.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Scalar(ReducePartial p, int o, ReadOnlySpan<double> x, long idx0, long idxStep)
    {
        switch (ReduceOps.Base(Op))
        {
            case ReduceOp.Prod: p.V[o] *= TensorPrimitives.Product(x); break;
            case ReduceOp.Sum: case ReduceOp.Mean: p.V[o] += TensorPrimitives.Sum(x); break;
            case ReduceOp.Min: case ReduceOp.All: p.V[o] = Math.Min(p.V[o], TensorPrimitives.Min(x)); break;
            case ReduceOp.Max: case ReduceOp.Any: p.V[o] = Math.Max(p.V[o], TensorPrimitives.Max(x)); break;
            case ReduceOp.Var:
            case ReduceOp.Std:
                {
                    // Two passes over the piece (it is in cache), then Chan's update.
                    double nb = x.Length, mb = TensorPrimitives.Sum(x) / nb;
                    var d = _dev.AsSpan(0, x.Length);
                    TensorPrimitives.Subtract(x, mb, d);
                    Merge(p, o, nb, mb, TensorPrimitives.SumOfSquares<double>(d));
                    break;
                }
            case ReduceOp.ArgMin:
                {
                    int i = TensorPrimitives.IndexOfMin(x); // the first NaN's index when there is one
                    if (ReduceTree.ArgBetter(x[i], idx0 + i * idxStep, p.V[o], p.Idx![o], max: false)) { p.V[o] = x[i]; p.Idx![o] = idx0 + i * idxStep; }
                    break;
                }
            case ReduceOp.ArgMax:
                {
                    int i = TensorPrimitives.IndexOfMax(x); // the first NaN's index when there is one
                    if (ReduceTree.ArgBetter(x[i], idx0 + i * idxStep, p.V[o], p.Idx![o], max: true)) { p.V[o] = x[i]; p.Idx![o] = idx0 + i * idxStep; }
                    break;
                }
        }
    }

    /// <summary>Folds <paramref name="x"/>[i] into output position <paramref name="o"/> + i.</summary>
    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void Vector(ReducePartial p, int o, ReadOnlySpan<double> x, long idx)
    {
        var a = p.V.AsSpan(o, x.Length);
        switch (ReduceOps.Base(Op))
        {
            case ReduceOp.Prod: TensorPrimitives.Multiply(a, x, a); break;
            case ReduceOp.Sum: case ReduceOp.Mean: TensorPrimitives.Add(a, x, a); break;
            case ReduceOp.Min: case ReduceOp.All: TensorPrimitives.Min(a, x, a); break;
            case ReduceOp.Max: case ReduceOp.Any: TensorPrimitives.Max(a, x, a); break;
            case ReduceOp.Var:
            case ReduceOp.Std:
                for (int i = 0; i < x.Length; i++)
                {
                    // Welford's update: one new sample per position.
                    double nn = ++p.N![o + i];
                    double d = x[i] - a[i];
                    a[i] += d / nn;
                    p.M2![o + i] += d * (x[i] - a[i]);
                }
                break;
            case ReduceOp.ArgMin:
                for (int i = 0; i < x.Length; i++) if (ReduceTree.ArgBetter(x[i], idx, a[i], p.Idx![o + i], max: false)) { a[i] = x[i]; p.Idx![o + i] = idx; }
                break;
            case ReduceOp.ArgMax:
                for (int i = 0; i < x.Length; i++) if (ReduceTree.ArgBetter(x[i], idx, a[i], p.Idx![o + i], max: true)) { a[i] = x[i]; p.Idx![o + i] = idx; }
                break;
        }
    }

    /// <summary>Chan et al.'s update of (count, mean, M2) at <paramref name="o"/> with another group's statistics.</summary>
    internal static void Merge(ReducePartial p, int o, double nb, double mb, double m2b)
    {
        double na = p.N![o];
        if (nb == 0) return;
        if (na == 0) { p.N[o] = nb; p.V[o] = mb; p.M2![o] = m2b; return; }
        double n = na + nb, d = mb - p.V[o];
        p.V[o] += d * nb / n;
        p.M2![o] += m2b + d * d * na * nb / n;
        p.N[o] = n;
    }
}
