namespace TaskGraph.Arrays;

public sealed partial class NdArray<E>
{
    /// <summary>
    /// The elements of a 1-d array where <paramref name="mask"/> is true. The mask is known now, so the result's
    /// chunks are too, and blocks without a selected element are not read.
    /// </summary>
    public NdArray<E> Mask(bool[] mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        if (Rank != 1) throw new InvalidOperationException($"Boolean mask selection needs a 1-d array, this one has shape {ShapeMath.Format(ShapeRef)}.");
        if (mask.Length != ShapeRef[0]) throw new ArgumentException($"The mask has {mask.Length} elements but the array has shape {ShapeMath.Format(ShapeRef)}.", nameof(mask));
        var off = ShapeMath.Offsets(ChunksRef[0]);
        var m = NdArray.FromArray(mask, [mask.Length], [ChunksRef[0]]);
        var counts = Enumerable.Range(0, ChunksRef[0].Length).Select(b => mask.AsSpan((int)off[b], ChunksRef[0][b]).Count(true)).ToArray();
        return Select(m, counts);
    }

    /// <summary>
    /// The elements of a 1-d array where the lazy <paramref name="mask"/> is true (a mask of this array's shape, of
    /// any rank, selects from the flattened array in C order). The result's length depends on
    /// the mask, so the mask's per-block counts are computed first (on <paramref name="scheduler"/>, like Dask's
    /// <c>compute_chunk_sizes</c>); the selection itself stays lazy.
    /// </summary>
    public NdArray<E> Mask(NdArray<bool> mask, IScheduler? scheduler = null)
    {
        ArgumentNullException.ThrowIfNull(mask);
        // A mask of any rank over the whole array: flatten both (C order), as Dask does.
        if (Rank > 1 && mask.ShapeRef.SequenceEqual(ShapeRef)) return Reshape(checked((int)Size)).Mask(mask.Reshape(checked((int)Size)), scheduler);
        if (Rank != 1 || mask.Rank != 1 || mask.ShapeRef[0] != ShapeRef[0])
            throw new ArgumentException($"Boolean mask selection needs a 1-d array and a mask of the same length, got shapes {ShapeMath.Format(ShapeRef)} and {ShapeMath.Format(mask.ShapeRef)}.");
        var m = mask.Rechunk([ChunksRef[0]]);
        var counts = m.AsType<long>().MapBlocks<long>(CountBlock, [Enumerable.Repeat(1, ChunksRef[0].Length).ToArray()]).Compute(scheduler).Data;
        return Select(m, counts.Select(c => (int)c).ToArray());
    }

    private static DenseArray<long> CountBlock(DenseArray<long> b) => new([b.Data.Sum()], 1);

    private NdArray<E> Select(NdArray<bool> mask, int[] counts)
    {
        var keep = Enumerable.Range(0, counts.Length).Where(b => counts[b] > 0).ToArray();
        if (keep.Length == 0) return NdArray.FromArray(Array.Empty<E>(), [0], [0]);
        var fn = TaskFunction.Create(new Func<DenseArray<E>, DenseArray<bool>, DenseArray<E>>(SelectBlock), TaskInvokers.Call2<DenseArray<E>, DenseArray<bool>, DenseArray<E>>, "mask");
        var g = Grid; var mg = mask.Grid;
        var layer = LayerToken.Of("array-mask", g, mg, counts);
        var specs = keep.Select((b, i) => TaskSpec.Call(TaskKey.ForPartition("mask", layer, i), fn, TaskArg.Of(g.Specs[b]), TaskArg.Of(mg.Specs[b]))).ToArray();
        var chunks = keep.Select(b => counts[b]).ToArray();
        return FromGrid(new BlockGrid([chunks.Sum()], [chunks], DType, specs, layer), "mask");
    }

    private static DenseArray<E> SelectBlock(DenseArray<E> x, DenseArray<bool> m)
    {
        var r = new E[m.Data.AsSpan().Count(true)];
        for (int i = 0, w = 0; i < x.Data.Length; i++) if (m.Data[i]) r[w++] = x.Data[i];
        return new DenseArray<E>(r, r.Length);
    }
}
