namespace TaskGraph.Arrays;

public sealed partial class NdArray<E>
{
    /// <summary>
    /// A slice: per axis an integer index, a range (with step) or all; missing trailing axes are taken whole.
    /// Each output block is cut from exactly one input block, so only the blocks that hold selected elements
    /// are read. An index out of range fails here, naming the axis and its size.
    /// </summary>
    public NdArray<E> this[params Sel[] selection] => Slice(selection);

    /// <summary>Same as the indexer.</summary>
    public NdArray<E> Slice(params Sel[] selection)
    {
        ArgumentNullException.ThrowIfNull(selection);
        if (selection.Any(s => s.IsNewAxis || s.Indices is not null)) return SliceExtended(selection);
        int n = Rank;
        if (selection.Length > n) throw new ArgumentException($"Too many indices ({selection.Length}) for an array with {n} axes, shape {ShapeMath.Format(ShapeRef)}.");
        var start = new int[n]; var step = new int[n]; var count = new int[n]; var drop = new bool[n];
        for (int a = 0; a < n; a++)
        {
            var s = a < selection.Length ? selection[a] : Sel.All;
            int size = ShapeRef[a];
            if (s.IsIndex)
            {
                int i = s.Index < 0 ? s.Index + size : s.Index;
                if (i < 0 || i >= size) throw new ArgumentOutOfRangeException(nameof(selection), $"Index {s.Index} is out of bounds for axis {a} with size {size}.");
                start[a] = i; step[a] = 1; count[a] = 1; drop[a] = true;
            }
            else if (s.Step < 0)
            {
                // Python's rules for a negative step: defaults are the last element and "past the first" (-1).
                int st = s.From is int f0 ? (f0 < 0 ? f0 + size : f0) : size - 1;
                int sp = s.To is int t0 ? (t0 < 0 ? t0 + size : t0) : -1;
                st = Math.Clamp(st, -1, size - 1);
                sp = Math.Clamp(sp, -1, size - 1);
                start[a] = st; step[a] = s.Step; count[a] = st > sp ? (st - sp - 1) / -s.Step + 1 : 0;
            }
            else
            {
                int lo = Math.Clamp(s.Range.Start.IsFromEnd ? size - s.Range.Start.Value : s.Range.Start.Value, 0, size);
                int hi = Math.Clamp(s.Range.End.IsFromEnd ? size - s.Range.End.Value : s.Range.End.Value, 0, size);
                start[a] = lo; step[a] = s.Step; count[a] = hi > lo ? (hi - lo + s.Step - 1) / s.Step : 0;
            }
        }
        // Per axis: the input blocks that hold selected elements, with the local start and count in each.
        var perAxis = new List<(int Block, int LocalStart, int Count)>[n];
        for (int a = 0; a < n; a++)
        {
            perAxis[a] = new();
            var off = ShapeMath.Offsets(ChunksRef[a]);
            if (step[a] < 0)
            {
                // Walking backwards: blocks from the last, each giving its selected elements from the highest down.
                long s0 = start[a], st = -step[a];
                for (int b = ChunksRef[a].Length - 1; b >= 0 && count[a] > 0; b--)
                {
                    long lo = off[b], hi = off[b + 1];
                    long kmin = s0 >= hi ? (s0 - hi) / st + 1 : 0;
                    long kmax = Math.Min(count[a] - 1, s0 >= lo ? (s0 - lo) / st : -1);
                    if (kmin > kmax) continue;
                    perAxis[a].Add((b, (int)(s0 - kmin * st - lo), (int)(kmax - kmin + 1)));
                }
                continue;
            }
            for (int b = 0; b < ChunksRef[a].Length && count[a] > 0; b++)
            {
                long lo = off[b], hi = off[b + 1];
                long last = start[a] + (long)(count[a] - 1) * step[a];
                long firstI = Math.Max(0, (lo - start[a] + step[a] - 1) / step[a]);
                if (lo - start[a] < 0) firstI = 0;
                long first = start[a] + firstI * step[a];
                if (first >= hi || first > last) continue;
                long lastIn = Math.Min(last, hi - 1);
                int c = (int)((lastIn - first) / step[a] + 1);
                perAxis[a].Add((b, (int)(first - lo), c));
            }
        }
        var keep = Enumerable.Range(0, n).Where(a => !drop[a]).ToArray();
        var outChunks = keep.Select(a => perAxis[a].Count == 0 ? new[] { 0 } : perAxis[a].Select(p => p.Count).ToArray()).ToArray();
        var outShape = outChunks.Select(c => c.Sum()).ToArray();
        var outGrid = ShapeMath.GridShape(outChunks);
        var specs = new TaskSpec[ShapeMath.Size(outGrid)];
        var src = Grid;
        var fn = TaskFunction.Create(new Func<DenseArray<E>, int[], DenseArray<E>>(SliceBlock), TaskInvokers.Call2<DenseArray<E>, int[], DenseArray<E>>, "getitem");
        var empty = TaskFunction.Create(new Func<int[], DenseArray<E>>(EmptyBlock), TaskInvokers.Call1<int[], DenseArray<E>>, "getitem");
        var layer = LayerToken.Of("array-getitem", src, start, step, count, drop);
        for (int f = 0; f < specs.Length; f++)
        {
            var og = ShapeMath.Unflatten(outGrid, f);
            var bshape = ShapeMath.BlockShape(outChunks, og);
            if (Enumerable.Range(0, n).Any(a => perAxis[a].Count == 0))
            {
                specs[f] = TaskSpec.Call(TaskKey.ForPartition("getitem", layer, f), empty, TaskArg.Value(bshape));
                continue;
            }
            var ib = new int[n];
            // Plan: per input axis (start, step, count), then the output shape.
            var plan = new int[3 * n];
            for (int a = 0, o = 0; a < n; a++)
            {
                var p = drop[a] ? perAxis[a][0] : perAxis[a][og[o++]];
                ib[a] = p.Block;
                plan[3 * a] = p.LocalStart; plan[3 * a + 1] = step[a]; plan[3 * a + 2] = p.Count;
            }
            specs[f] = TaskSpec.Call(TaskKey.ForPartition("getitem", layer, f), fn, TaskArg.Of(src.At(ib)), TaskArg.Value(plan.Concat(bshape).ToArray()));
        }
        return FromGrid(new BlockGrid(outShape, outChunks, DType, specs, layer), "getitem");
    }

    private static DenseArray<E> EmptyBlock(int[] shape) => new(new E[ShapeMath.Size(shape)], shape);

    /// <summary>Gathers a strided box from one block: <c>plan</c> is (start, step, count) per input axis, then the output shape.</summary>
    private static DenseArray<E> SliceBlock(DenseArray<E> src, int[] plan)
    {
        int n = src.Shape.Length;
        var outShape = plan[(3 * n)..];
        var data = new E[ShapeMath.Size(outShape)];
        if (data.Length == 0) return new DenseArray<E>(data, outShape);
        var strides = ShapeMath.Strides(src.Shape);
        if (n == 0) { data[0] = src.Data[0]; return new DenseArray<E>(data, outShape); }
        var idx = new int[n];
        int rowLen = plan[3 * (n - 1) + 2];
        long rowStep = plan[3 * (n - 1) + 1];
        int w = 0;
        while (true)
        {
            long off = 0;
            for (int a = 0; a < n; a++) off += (plan[3 * a] + (long)idx[a] * plan[3 * a + 1]) * strides[a];
            if (rowStep == 1) { Array.Copy(src.Data, off, data, w, rowLen); w += rowLen; }
            else for (int i = 0; i < rowLen; i++) data[w++] = src.Data[off + i * rowStep];
            int k = n - 2;
            while (k >= 0 && ++idx[k] == plan[3 * k + 2]) { idx[k] = 0; k--; }
            if (k < 0) break;
        }
        return new DenseArray<E>(data, outShape);
    }
}
