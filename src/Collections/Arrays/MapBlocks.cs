namespace TaskGraph.Arrays;

public sealed partial class NdArray<E>
{
    /// <summary>
    /// Applies <paramref name="f"/> to every block (one task per block). The result keeps this array's chunks
    /// unless <paramref name="chunks"/> gives the output block sizes. The function runs as a task: keep its
    /// captured state plain data so that out-of-process schedulers can ship it.
    /// </summary>
    public NdArray<R> MapBlocks<R>(Func<DenseArray<E>, DenseArray<R>> f, int[][]? chunks = null, string name = "map-blocks") where R : unmanaged
        => Blockwise<R>(name, chunks, f, TaskInvokers.Call1<DenseArray<E>, DenseArray<R>>, this);

    /// <summary>Applies <paramref name="f"/> to matching blocks of this array and <paramref name="other"/> (same chunks after rechunking to this array's).</summary>
    public NdArray<R> MapBlocks<E2, R>(NdArray<E2> other, Func<DenseArray<E>, DenseArray<E2>, DenseArray<R>> f, int[][]? chunks = null, string name = "map-blocks")
        where E2 : unmanaged where R : unmanaged
    {
        if (!other.ShapeRef.SequenceEqual(ShapeRef)) throw new ArgumentException($"MapBlocks needs equal shapes, got {ShapeMath.Format(ShapeRef)} and {ShapeMath.Format(other.ShapeRef)}.");
        return Blockwise<R>(name, chunks, f, TaskInvokers.Call2<DenseArray<E>, DenseArray<E2>, DenseArray<R>>, this, other.Rechunk(ChunksRef));
    }

    /// <summary>General blockwise operation: <paramref name="f"/> receives block (i, j, …) of every input (all of the same block grid) and returns the output block.</summary>
    internal static NdArray<R> Blockwise<R>(string name, int[][]? chunks, Delegate f, TaskInvoker invoker, params NdArray[] inputs) where R : unmanaged
    {
        var first = inputs[0];
        chunks ??= first.ChunksRef;
        if (!ShapeMath.GridShape(chunks).SequenceEqual(first.NumBlocks)) throw new ArgumentException($"Output chunks {ShapeMath.FormatChunks(chunks)} do not have the input's block grid {ShapeMath.Format(first.NumBlocks)}.");
        var shape = chunks.Select(c => c.Sum()).ToArray();
        var fn = TaskFunction.Create(f, invoker, name);
        var grids = inputs.Select(i => i.Grid).ToArray();
        var layer = LayerToken.Of("array-" + name, fn, grids.ToList(), chunks);
        var specs = new TaskSpec[grids[0].Specs.Length];
        for (int b = 0; b < specs.Length; b++)
            specs[b] = TaskSpec.Call(TaskKey.ForPartition(name, layer, b), fn, grids.Select(g => TaskArg.Of(g.Specs[b])).ToArray());
        return NdArray<R>.FromGrid(new BlockGrid(shape, chunks, DTypes.Of<R>(), specs, layer), name);
    }
}

public abstract partial class NdArray
{
    /// <summary>
    /// Joins arrays along an existing <paramref name="axis"/>: the block grids are laid side by side (no task),
    /// after rechunking the other axes to the first array's chunks.
    /// </summary>
    public static NdArray<E> Concatenate<E>(IReadOnlyList<NdArray<E>> arrays, int axis = 0) where E : unmanaged
    {
        if (arrays.Count == 0) throw new ArgumentException("Concatenate needs at least one array.", nameof(arrays));
        var first = arrays[0];
        int n = first.Rank;
        int ax = ShapeMath.CheckAxis(axis, n);
        var parts = new List<NdArray<E>>();
        foreach (var a in arrays)
        {
            if (a.Rank != n || Enumerable.Range(0, n).Any(k => k != ax && a.ShapeRef[k] != first.ShapeRef[k]))
                throw new ArgumentException($"Cannot concatenate shapes {ShapeMath.Format(first.ShapeRef)} and {ShapeMath.Format(a.ShapeRef)} along axis {ax}.");
            var want = Enumerable.Range(0, n).Select(k => k == ax ? a.ChunksRef[k] : first.ChunksRef[k]).ToArray();
            parts.Add(a.Rechunk(want));
        }
        var chunks = Enumerable.Range(0, n).Select(k => k == ax ? parts.SelectMany(p => p.ChunksRef[k]).ToArray() : first.ChunksRef[k]).ToArray();
        var shape = chunks.Select(c => c.Sum()).ToArray();
        var grid = ShapeMath.GridShape(chunks);
        var specs = new TaskSpec[ShapeMath.Size(grid)];
        for (int f = 0; f < specs.Length; f++)
        {
            var g = ShapeMath.Unflatten(grid, f);
            int b = g[ax], p = 0;
            while (b >= parts[p].ChunksRef[ax].Length) { b -= parts[p].ChunksRef[ax].Length; p++; }
            g[ax] = b;
            specs[f] = parts[p].Grid.At(g);
        }
        return NdArray<E>.FromGrid(new BlockGrid(shape, chunks, DTypes.Of<E>(), specs, LayerToken.Of("array-concatenate", parts.Select(p => p.Grid).ToList(), ax)), "concatenate");
    }

    /// <summary>Stacks equally shaped arrays along a new <paramref name="axis"/>.</summary>
    public static NdArray<E> Stack<E>(IReadOnlyList<NdArray<E>> arrays, int axis = 0) where E : unmanaged
    {
        if (arrays.Count == 0) throw new ArgumentException("Stack needs at least one array.", nameof(arrays));
        foreach (var a in arrays)
            if (!a.ShapeRef.SequenceEqual(arrays[0].ShapeRef)) throw new ArgumentException($"Stack needs equal shapes, got {ShapeMath.Format(arrays[0].ShapeRef)} and {ShapeMath.Format(a.ShapeRef)}.");
        return Concatenate(arrays.Select(a => a.ExpandDims(axis)).ToList(), axis);
    }
}
