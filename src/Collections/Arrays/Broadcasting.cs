namespace TaskGraph.Arrays;

/// <summary>
/// NumPy broadcasting for chunked arrays: shapes are aligned on their trailing axes, a size-1 axis stretches to
/// the other operand's size, and operands that share an axis are rechunked to the first operand's chunks along
/// it. Shapes that do not broadcast fail here, while the graph is built, naming both shapes.
/// </summary>
internal static class Broadcasting
{
    public static int[] Shape(IReadOnlyList<NdArray> operands)
    {
        int n = operands.Max(o => o.Rank);
        var shape = new int[n];
        for (int k = 0; k < n; k++) shape[k] = 1;
        foreach (var o in operands)
        {
            int lead = n - o.Rank;
            for (int j = 0; j < o.Rank; j++)
            {
                int s = o.ShapeRef[j], k = j + lead;
                if (s == shape[k] || s == 1) continue;
                if (shape[k] == 1) { shape[k] = s; continue; }
                throw new ArgumentException("Operands could not be broadcast together with shapes " +
                    string.Join(" ", operands.Select(x => ShapeMath.Format(x.ShapeRef))) + $" (axis {k}: {shape[k]} vs {s}).");
            }
        }
        return shape;
    }

    /// <summary>
    /// The broadcast shape and chunks of <paramref name="operands"/>, their programs rewritten for that output,
    /// and the concatenated input layers.
    /// </summary>
    public static (int[] Shape, int[][] Chunks, ElemNode[] Exprs, BlockGrid[] Inputs) Align(params NdArray[] operands)
    {
        var shape = Shape(operands);
        int n = shape.Length;
        var chunks = new int[n][];
        for (int k = 0; k < n; k++)
        {
            foreach (var o in operands)
            {
                int j = k - (n - o.Rank);
                if (j >= 0 && o.ShapeRef[j] == shape[k]) { chunks[k] = o.ChunksRef[j]; break; }
            }
            chunks[k] ??= [shape[k]];
        }
        var exprs = new ElemNode[operands.Length];
        var inputs = new List<BlockGrid>();
        for (int i = 0; i < operands.Length; i++)
        {
            var o = operands[i];
            var want = new int[o.Rank][];
            bool same = true;
            for (int j = 0; j < o.Rank; j++)
            {
                int k = j + (n - o.Rank);
                want[j] = o.ShapeRef[j] == shape[k] ? chunks[k] : o.ChunksRef[j];
                same &= want[j].SequenceEqual(o.ChunksRef[j]);
            }
            if (!same) o = o.RechunkUntyped(want);
            exprs[i] = o.BroadcastExpr(shape, inputs.Count);
            inputs.AddRange(o.Inputs);
        }
        return (shape, chunks, exprs, inputs.ToArray());
    }
}
