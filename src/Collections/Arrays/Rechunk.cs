namespace TaskGraph.Arrays;

public abstract partial class NdArray
{
    internal abstract NdArray RechunkUntyped(int[][] chunks);
}

public sealed partial class NdArray<E>
{
    /// <summary>The same array with regular chunks of <paramref name="chunkShape"/> (0 or less: the whole axis).</summary>
    public NdArray<E> Rechunk(params int[] chunkShape) => Rechunk(ShapeMath.Regular(ShapeRef, chunkShape));

    /// <summary>
    /// The same array with explicit <paramref name="chunks"/> per axis. Every output block is one task that copies
    /// the overlapping parts of the input blocks it intersects.
    /// </summary>
    public NdArray<E> Rechunk(int[][] chunks)
    {
        ShapeMath.CheckChunks(ShapeRef, chunks);
        if (chunks.Zip(ChunksRef).All(p => p.First.SequenceEqual(p.Second))) return this;
        var src = Grid;
        int n = Rank;
        var inOff = ChunksRef.Select(ShapeMath.Offsets).ToArray();
        var outOff = chunks.Select(ShapeMath.Offsets).ToArray();
        var outGrid = ShapeMath.GridShape(chunks);
        var specs = new TaskSpec[ShapeMath.Size(outGrid)];
        var fn = TaskFunction.Create(new Func<object?[], DenseArray<E>>(BoxCopy.Run<E>), TaskInvokers.CallArgs<DenseArray<E>>, "rechunk");
        var layer = LayerToken.Of("rechunk", src, chunks);
        for (int f = 0; f < specs.Length; f++)
        {
            var g = ShapeMath.Unflatten(outGrid, f);
            // For each axis: the input blocks overlapping this output block.
            var ranges = new (int First, int Last)[n];
            bool any = true;
            for (int a = 0; a < n; a++)
            {
                long lo = outOff[a][g[a]], hi = outOff[a][g[a] + 1];
                int first = -1, last = -1;
                for (int b = 0; b < ChunksRef[a].Length; b++)
                    if (inOff[a][b] < hi && inOff[a][b + 1] > lo) { if (first < 0) first = b; last = b; }
                ranges[a] = (Math.Max(first, 0), last);
                any &= first >= 0;
            }
            var outShape = ShapeMath.BlockShape(chunks, g);
            var meta = new List<int>();
            var args = new List<TaskArg> { TaskArg.Value(outShape), default };
            var idx = ranges.Select(r => r.First).ToArray();
            while (any)
            {
                for (int a = 0; a < n; a++)
                {
                    long lo = Math.Max(outOff[a][g[a]], inOff[a][idx[a]]);
                    long hi = Math.Min(outOff[a][g[a] + 1], inOff[a][idx[a] + 1]);
                    meta.Add((int)(lo - inOff[a][idx[a]]));
                    meta.Add((int)(lo - outOff[a][g[a]]));
                    meta.Add((int)(hi - lo));
                }
                args.Add(TaskArg.Of(src.At(idx)));
                int k = n - 1;
                while (k >= 0 && ++idx[k] > ranges[k].Last) { idx[k] = ranges[k].First; k--; }
                if (k < 0) break;
            }
            args[1] = TaskArg.Value(meta.ToArray());
            specs[f] = TaskSpec.Call(TaskKey.ForPartition("rechunk", layer, f), fn, args.ToArray());
        }
        return FromGrid(new BlockGrid(ShapeRef, chunks, DType, specs, layer), "rechunk");
    }

    internal override NdArray RechunkUntyped(int[][] chunks) => Rechunk(chunks);
}

/// <summary>
/// Task body shared by rechunk, concatenation and assembly: builds a block of shape <c>args[0]</c> from boxes of
/// the source blocks <c>args[2..]</c>; <c>args[1]</c> holds, per source, (source start, destination start,
/// extent) for every axis.
/// </summary>
internal static class BoxCopy
{
    public static DenseArray<E> Run<E>(object?[] args) where E : unmanaged
    {
        var shape = (int[])args[0]!;
        var meta = (int[])args[1]!;
        int n = shape.Length;
        var data = new E[ShapeMath.Size(shape)];
        var ss = new int[n]; var ds = new int[n]; var ext = new int[n];
        for (int s = 2, m = 0; s < args.Length; s++)
        {
            var src = (DenseArray<E>)args[s]!;
            for (int a = 0; a < n; a++) { ss[a] = meta[m++]; ds[a] = meta[m++]; ext[a] = meta[m++]; }
            ShapeMath.CopyBox(src.Data, src.Shape, ss, data, shape, ds, ext);
        }
        return new DenseArray<E>(data, shape);
    }
}
