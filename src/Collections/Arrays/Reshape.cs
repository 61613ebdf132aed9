namespace TaskGraph.Arrays;

public sealed partial class NdArray<E>
{
    /// <summary>
    /// The same elements (C order) in <paramref name="shape"/> (one entry may be -1: inferred). Works block by
    /// block: the trailing axes are rechunked to single blocks and axis 0 to blocks that each hold a whole number
    /// of new rows (its boundaries move down to the nearest such row), then every block is viewed in its new shape
    /// without moving data. Any chunking works, as Dask's reshape rechunks when chunks do not line up.
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
        // Make every block a slab of whole rows of axis 0 whose element count is a whole number of new rows: a
        // multiple of g rows, g = trailOut / gcd(trailIn, trailOut). Axis 0's block boundaries move down to such
        // multiples (blocks that would become empty merge into the next), as Dask's reshape_rechunk rechunks
        // instead of refusing; the total row count is itself a multiple of g since the sizes match.
        long trailIn = ShapeMath.Size(ShapeRef.AsSpan(1)), trailOut = ShapeMath.Size(shape.AsSpan(1));
        long g = trailOut / (long)System.Numerics.BigInteger.GreatestCommonDivisor(trailIn, trailOut);
        var rows0 = new List<int>();
        long end = 0, cut = 0;
        foreach (var c in ChunksRef[0])
        {
            end += c;
            long aligned = end - end % g;
            if (aligned > cut) { rows0.Add((int)(aligned - cut)); cut = aligned; }
        }
        var slab = Rechunk(Enumerable.Range(0, Rank).Select(a => a == 0 ? rows0.ToArray() : new[] { ShapeRef[a] }).ToArray());
        var rows = new int[slab.ChunksRef[0].Length];
        for (int b = 0; b < rows.Length; b++) rows[b] = (int)(slab.ChunksRef[0][b] * trailIn / trailOut);
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
        var layer = LayerToken.Of("array-reshape", grid, chunks);
        var specs = new TaskSpec[grid.Specs.Length];
        for (int f = 0; f < specs.Length; f++)
            specs[f] = TaskSpec.Call(TaskKey.ForPartition("reshape", layer, f), fn, TaskArg.Of(grid.Specs[f]), TaskArg.Value(ShapeMath.BlockShape(chunks, ShapeMath.Unflatten(outGrid, f))));
        return NdArray<E>.FromGrid(new BlockGrid(shape, chunks, DTypes.Of<E>(), specs, layer), "reshape");
    }

    private static DenseArray<E> Reshaped<E>(DenseArray<E> block, int[] shape) where E : unmanaged => new(block.Data, shape);
}
