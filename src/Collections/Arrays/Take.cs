namespace TaskGraph.Arrays;

public sealed partial class NdArray<E>
{
    /// <summary>
    /// The elements at <paramref name="indices"/> along <paramref name="axis"/>, in that order, repeats allowed
    /// (NumPy's <c>take</c> and integer-array indexing <c>x[[3, 0, 3]]</c>; negative indices count from the end).
    /// The indices are known now, so the result's chunks are too: the output axis is cut into pieces of at most the
    /// largest input chunk, and each output block reads only the input blocks its indices fall in.
    /// </summary>
    public NdArray<E> Take(int[] indices, int axis = 0)
    {
        ArgumentNullException.ThrowIfNull(indices);
        int ax = ShapeMath.CheckAxis(axis, Rank);
        int size = ShapeRef[ax];
        var idx = new int[indices.Length];
        for (int i = 0; i < idx.Length; i++)
        {
            int v = indices[i] < 0 ? indices[i] + size : indices[i];
            if (v < 0 || v >= size) throw new ArgumentOutOfRangeException(nameof(indices), $"Index {indices[i]} (position {i}) is out of bounds for axis {ax} with size {size}.");
            idx[i] = v;
        }
        var off = ShapeMath.Offsets(ChunksRef[ax]);
        int per = Math.Max(1, ChunksRef[ax].DefaultIfEmpty(1).Max());
        var pieces = new List<int[]>();
        for (int s = 0; s < idx.Length; s += per) pieces.Add(idx[s..Math.Min(idx.Length, s + per)]);
        var outChunks = Enumerable.Range(0, Rank).Select(a => a == ax ? (pieces.Count == 0 ? [0] : pieces.Select(p => p.Length).ToArray()) : ChunksRef[a]).ToArray();
        var outShape = outChunks.Select(c => c.Sum()).ToArray();
        var outGrid = ShapeMath.GridShape(outChunks);
        var src = Grid;
        var layer = LayerToken.Of("array-take", src, ax, idx);
        var step = LayerStep.Many<TakeParams, DenseArray<E>, DenseArray<E>>("take", TakeBlocks, new TakeParams(ax, [], [], []));
        var stage = LayerToken.Stage(layer, "take");
        var specs = new TaskSpec[ShapeMath.Size(outGrid)];
        for (int f = 0; f < specs.Length; f++)
        {
            var og = ShapeMath.Unflatten(outGrid, f);
            var shape = ShapeMath.BlockShape(outChunks, og);
            var piece = pieces.Count == 0 ? [] : pieces[og[ax]];
            // The input blocks this piece reads, in block order, and each index's block slot and local position.
            var blocks = piece.Select(v => ShapeMath.BlockOf(off, v)).Distinct().Order().ToArray();
            var slots = piece.Select(v => Array.IndexOf(blocks, ShapeMath.BlockOf(off, v))).ToArray();
            var local = piece.Select(v => (int)(v - off[ShapeMath.BlockOf(off, v)])).ToArray();
            var inputs = blocks.Select(b => { var g = (int[])og.Clone(); g[ax] = b; return src.At(g); }).ToArray();
            specs[f] = step.With(new TakeParams(ax, slots, local, shape)).Call(stage[f], inputs);
        }
        return FromGrid(new BlockGrid(outShape, outChunks, DType, specs, layer), "take");
    }

    /// <summary>One output block of <see cref="Take"/>: slice <c>i</c> along the axis is slice <c>Local[i]</c> of input <c>Slots[i]</c>.</summary>
    private static DenseArray<E> TakeBlocks(TakeParams p, DenseArray<E>[] inputs)
    {
        var data = new E[ShapeMath.Size(p.Shape)];
        if (data.Length == 0) return new DenseArray<E>(data, p.Shape);
        int outer = 1, inner = 1;
        for (int k = 0; k < p.Axis; k++) outer *= p.Shape[k];
        for (int k = p.Axis + 1; k < p.Shape.Length; k++) inner *= p.Shape[k];
        int len = p.Shape[p.Axis];
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < len; i++)
            {
                var src = inputs[p.Slots[i]];
                int srcLen = src.Shape[p.Axis];
                Array.Copy(src.Data, (o * srcLen + p.Local[i]) * inner, data, (o * len + i) * inner, inner);
            }
        return new DenseArray<E>(data, p.Shape);
    }

    /// <summary>A selection with integer arrays or new axes: the array index is taken first, then the plain slice, then new axes are inserted.</summary>
    private NdArray<E> SliceExtended(Sel[] selection)
    {
        if (selection.Count(s => s.Indices is not null) > 1)
            throw new NotSupportedException("Only one integer-array index per selection is supported (NumPy zips several together); apply Take once per axis instead.");
        var plain = selection.Where(s => !s.IsNewAxis).ToArray();
        if (plain.Length > Rank) throw new ArgumentException($"Too many indices ({plain.Length}) for an array with {Rank} axes, shape {ShapeMath.Format(ShapeRef)}.");
        // A new axis lands after the output axes of the entries before it (integer indices give none).
        var newAxes = new List<int>();
        int outPos = 0;
        foreach (var s in selection)
        {
            if (s.IsNewAxis) newAxes.Add(outPos++);
            else if (!s.IsIndex) outPos++;
        }
        var r = this;
        int fancy = Array.FindIndex(plain, s => s.Indices is not null);
        if (fancy >= 0) { r = r.Take(plain[fancy].Indices!, fancy); plain[fancy] = Sel.All; }
        r = r.Slice(plain);
        foreach (var p in newAxes) r = r.ExpandDims(p);
        return r;
    }

    /// <summary>
    /// The elements where <paramref name="mask"/> is true, as NumPy's <c>x[mask]</c>: a mask of this array's shape
    /// gives a 1-d array of the selected elements in C order (the array is flattened first, as Dask does); a mask over
    /// the leading axes selects whole sub-arrays (rows of a matrix for a 1-d mask). The mask is known now, so the
    /// result's chunks are too.
    /// </summary>
    public NdArray<E> Mask(DenseArray<bool> mask)
    {
        ArgumentNullException.ThrowIfNull(mask);
        int k = mask.Rank;
        if (k == 0 || k > Rank || !mask.Shape.SequenceEqual(ShapeRef[..k]))
            throw new ArgumentException($"A boolean mask of shape {ShapeMath.Format(mask.Shape)} does not match the leading axes of shape {ShapeMath.Format(ShapeRef)}.", nameof(mask));
        if (k == Rank) return (Rank == 1 ? this : Reshape(checked((int)Size))).Mask(mask.Data);
        var lead = Reshape([checked((int)ShapeMath.Size(ShapeRef[..k])), .. ShapeRef[k..]]);
        var positions = Enumerable.Range(0, mask.Length).Where(i => mask.Data[i]).ToArray();
        return lead.Take(positions, 0);
    }
}

/// <summary>
/// The parameters of one <c>Take</c> output block: the axis, per output slice the input slot and local position it
/// copies, and the output block's shape.
/// </summary>
internal sealed record TakeParams(int Axis, int[] Slots, int[] Local, int[] Shape);
