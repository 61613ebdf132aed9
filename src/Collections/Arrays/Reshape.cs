namespace TaskGraph;

public sealed partial class NdArray<E>
{
    /// <summary>
    /// The same elements (C order) in <paramref name="shape"/> (one entry may be -1: inferred). Works block by
    /// block without moving data when every block is a slab of whole leading-axis rows whose element count is a
    /// multiple of the new trailing size; the trailing axes are first rechunked to single blocks, so the chunks
    /// "allow" it whenever each leading-axis block holds a whole number of new rows. Otherwise it fails, naming
    /// the block that does not fit.
    /// </summary>
    public NdArray<E> Reshape(params int[] shape)
    {
        shape = (int[])shape.Clone();
        int infer = Array.IndexOf(shape, -1);
        long known = shape.Where(d => d != -1).Aggregate(1L, (a, b) => a * b);
        if (infer >= 0)
        {
            if (known == 0 || Size % known != 0) throw new ArgumentException($"Cannot reshape shape {ShapeMath.Format(ShapeRef)} into {ShapeMath.Format(shape)}.");
            shape[infer] = (int)(Size / known);
        }
        if (shape.Any(d => d < 0) || ShapeMath.Size(shape) != Size)
            throw new ArgumentException($"Cannot reshape shape {ShapeMath.Format(ShapeRef)} ({Size} elements) into {ShapeMath.Format(shape)}.");
        if (shape.SequenceEqual(ShapeRef)) return this;
        if (Rank == 0 || Size == 0 || shape.Length == 0)
            return NdArray.Reblock<E>(Rechunk(ShapeRef.Select(d => Math.Max(d, 1)).ToArray()).Grid, shape, shape.Select(d => new[] { d }).ToArray());
        // Make every block a slab of whole rows of axis 0.
        var slab = Rechunk(Enumerable.Range(0, Rank).Select(a => a == 0 ? ChunksRef[0] : new[] { ShapeRef[a] }).ToArray());
        long trailIn = ShapeMath.Size(ShapeRef.AsSpan(1)), trailOut = ShapeMath.Size(shape.AsSpan(1));
        var rows = new int[slab.ChunksRef[0].Length];
        for (int b = 0; b < rows.Length; b++)
        {
            long elems = slab.ChunksRef[0][b] * trailIn;
            if (trailOut == 0 || elems % trailOut != 0)
                throw new ArgumentException($"Cannot reshape {ShapeMath.Format(ShapeRef)} into {ShapeMath.Format(shape)} with chunks {ShapeMath.FormatChunks(ChunksRef)}: block {b} along axis 0 holds {elems} elements, not a multiple of {trailOut}; rechunk axis 0 first.");
            rows[b] = (int)(elems / trailOut);
        }
        var chunks = Enumerable.Range(0, shape.Length).Select(a => a == 0 ? rows : new[] { shape[a] }).ToArray();
        return NdArray.Reblock<E>(slab.Grid, shape, chunks);
    }
}

public abstract partial class NdArray
{
    /// <summary>Views each block of <paramref name="grid"/> (same element count, C order) under the block shapes of <paramref name="chunks"/>.</summary>
    internal static NdArray<E> Reblock<E>(BlockGrid grid, int[] shape, int[][] chunks) where E : unmanaged
    {
        var outGrid = ShapeMath.GridShape(chunks);
        var fn = TaskFunction.Create(new Func<DenseArray<E>, int[], DenseArray<E>>(Reshaped), TaskInvokers.Call2<DenseArray<E>, int[], DenseArray<E>>, "reshape");
        var layer = LayerToken.Of("reshape", grid, chunks);
        var specs = new TaskSpec[grid.Specs.Length];
        for (int f = 0; f < specs.Length; f++)
            specs[f] = TaskSpec.Call(TaskKey.ForPartition("reshape", layer, f), fn, TaskArg.Of(grid.Specs[f]), TaskArg.Value(ShapeMath.BlockShape(chunks, ShapeMath.Unflatten(outGrid, f))));
        return NdArray<E>.FromGrid(new BlockGrid(shape, chunks, DTypes.Of<E>(), specs, layer), "reshape");
    }

    private static DenseArray<E> Reshaped<E>(DenseArray<E> block, int[] shape) where E : unmanaged => new(block.Data, shape);
}
