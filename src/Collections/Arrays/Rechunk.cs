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
        var copy = LayerStep.Many<BoxCopy, DenseArray<E>, DenseArray<E>>("rechunk", BoxCopy.Run<E>, new BoxCopy([], []));
        var layer = LayerToken.Of("array-rechunk", src, chunks);
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
            var sources = new List<TaskSpec>();
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
                sources.Add(src.At(idx));
                int k = n - 1;
                while (k >= 0 && ++idx[k] > ranges[k].Last) { idx[k] = ranges[k].First; k--; }
                if (k < 0) break;
            }
            specs[f] = copy.With(new BoxCopy(outShape, meta.ToArray())).Call(TaskKey.ForPartition("rechunk", layer, f), sources.ToArray());
        }
        return FromGrid(new BlockGrid(ShapeRef, chunks, DType, specs, layer), "rechunk");
    }

    internal override NdArray RechunkUntyped(int[][] chunks) => Rechunk(chunks);
}

/// <summary>
/// The parameters and body of a rechunk task: builds a block of shape <see cref="Shape"/> from boxes of its source
/// blocks; <see cref="Meta"/> holds, per source in order, (source start, destination start, extent) for every axis.
/// </summary>
internal sealed record BoxCopy(int[] Shape, int[] Meta)
{
    public static DenseArray<E> Run<E>(BoxCopy p, DenseArray<E>[] sources) where E : unmanaged
    {
        var shape = p.Shape;
        var meta = p.Meta;
        int n = shape.Length;
        var data = new E[ShapeMath.Size(shape)];
        var ss = new int[n]; var ds = new int[n]; var ext = new int[n];
        for (int s = 0, m = 0; s < sources.Length; s++)
        {
            var src = sources[s];
            for (int a = 0; a < n; a++) { ss[a] = meta[m++]; ds[a] = meta[m++]; ext[a] = meta[m++]; }
            ShapeMath.CopyBox(src.Data, src.Shape, ss, data, shape, ds, ext);
        }
        return new DenseArray<E>(data, shape);
    }
}
