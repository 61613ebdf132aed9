namespace TaskGraph.Arrays;

public sealed partial class NdArray<E>
{
    /// <summary>The transpose (axes reversed). Like every transpose it adds no task: consumers read the blocks transposed.</summary>
    public NdArray<E> T => Transpose();

    /// <summary>
    /// The array with its axes permuted: output axis k is input axis <paramref name="axes"/>[k] (reversed when
    /// empty). The permutation rewrites the per-block program, so it costs no task and no copy of its own.
    /// </summary>
    public NdArray<E> Transpose(params int[] axes)
    {
        int n = Rank;
        if (axes.Length == 0) axes = Enumerable.Range(0, n).Reverse().ToArray();
        if (axes.Length != n) throw new ArgumentException($"Transpose needs {n} axes for shape {ShapeMath.Format(ShapeRef)}, got {axes.Length}.", nameof(axes));
        var perm = axes.Select(a => ShapeMath.CheckAxis(a, n)).ToArray();
        if (perm.Distinct().Count() != n) throw new ArgumentException($"Transpose axes [{string.Join(", ", axes)}] repeat an axis.", nameof(axes));
        var expr = Expr.MapLeaves(l => l.With(perm.Select(p => l.AxisOf[p]).ToArray()));
        return new NdArray<E>(perm.Select(p => ShapeRef[p]).ToArray(), perm.Select(p => ChunksRef[p]).ToArray(), expr, Inputs, "transpose");
    }

    /// <summary>The array with a new axis of length 1 at <paramref name="axis"/> (no task).</summary>
    public NdArray<E> ExpandDims(int axis)
    {
        int n = Rank + 1;
        int ax = ShapeMath.CheckAxis(axis, n);
        var shape = new List<int>(ShapeRef); shape.Insert(ax, 1);
        var chunks = new List<int[]>(ChunksRef); chunks.Insert(ax, [1]);
        var expr = Expr.MapLeaves(l => { var m = new List<int>(l.AxisOf); m.Insert(ax, -1); return l.With(m.ToArray()); });
        return new NdArray<E>(shape.ToArray(), chunks.ToArray(), expr, Inputs, "expand-dims");
    }
}
