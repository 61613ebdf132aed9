namespace TaskGraph.Arrays;

/// <summary>
/// Runs a <see cref="BlockProgram"/> for one output block, tile by tile (a few thousand elements), so that the
/// temporaries of a long fused chain stay in cache and a source block that is read in place is never copied.
/// Created inside a task; it is not part of any task's data.
/// </summary>
internal sealed class BlockEvaluator
{
    /// <summary>Elements per tile: 32 KiB of doubles, so a handful of temporaries fit in L2.</summary>
    public const int Tile = 4096;

    private readonly BlockProgram _program;
    private readonly Dictionary<ElemNode, Array> _scratch = new(ReferenceEqualityComparer.Instance);
    private readonly Dictionary<LeafNode, LeafState> _leaves = new(ReferenceEqualityComparer.Instance);
    private readonly int[] _shape;
    private readonly int _n;
    private double[]? _tmp, _tmp2;

    public BlockEvaluator(BlockProgram program, int[] blockIndex, object?[] args, int argOffset)
    {
        _program = program;
        BlockIndex = blockIndex;
        _shape = ShapeMath.BlockShape(program.Chunks, blockIndex);
        _n = _shape.Length;
        Count = (int)ShapeMath.Size(_shape);
        BlockOffset = new long[_n];
        for (int a = 0; a < _n; a++)
            for (int b = 0; b < blockIndex[a]; b++) BlockOffset[a] += program.Chunks[a][b];
        int slot = argOffset;
        foreach (var leaf in program.SourceLeaves) _leaves[leaf] = new LeafState(leaf, blockIndex, _shape, ((IDenseArray)args[slot++]!).Data);
        program.Root.Walk(node =>
        {
            if (node is LeafNode l && l.Kind != LeafKind.Source) _leaves[l] = new LeafState(l, blockIndex, _shape, null);
        });
    }

    public int[] BlockIndex { get; }
    public int[] Shape => _shape;
    public long[] BlockOffset { get; }
    public int Count { get; }
    public DType Type => _program.Root.Type;

    /// <summary>The whole block as a new dense array (the source block itself when the program is only that).</summary>
    public DenseArray<T> Materialize<T>() where T : unmanaged
    {
        if (_program.Root is LeafNode l && _leaves[l].Aligned && l.Kind == LeafKind.Source && _leaves[l].Data is T[] same)
            return new DenseArray<T>(same, _shape);
        var data = new T[Count];
        for (int f0 = 0; f0 < Count; f0 += Tile)
        {
            int len = Math.Min(Tile, Count - f0);
            var (arr, off, scalar) = EvalTile(f0, len);
            if (scalar) Kernels.Gather(Type, arr, off, 0, data, f0, len);
            else Array.Copy(arr, off, data, f0, len);
        }
        return new DenseArray<T>(data, _shape);
    }

    /// <summary>Values of block elements <c>f0 .. f0+len</c> (C order): a typed array, an offset into it, and whether it is one broadcast scalar.</summary>
    public (Array Data, int Offset, bool Scalar) EvalTile(int f0, int len) => Eval(_program.Root, f0, len);

    private Array Scratch(ElemNode node, DType t)
    {
        if (!_scratch.TryGetValue(node, out var a)) _scratch[node] = a = DTypes.NewArray(t, Tile);
        return a;
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private (Array, int, bool) Eval(ElemNode node, int f0, int len)
    {
        switch (node)
        {
            case ScalarNode s:
                {
                    var a = Scratch(node, s.Type);
                    Kernels.Fill(s.Type, a, 0, 1, s.Value);
                    return (a, 0, true);
                }
            case LeafNode leaf:
                {
                    var st = _leaves[leaf];
                    if (leaf.Kind == LeafKind.Source && st.Aligned) return (st.Data!, f0, false);
                    if (leaf.Kind == LeafKind.Full) { var c = Scratch(node, leaf.Type); Kernels.Fill(leaf.Type, c, 0, 1, leaf.A); return (c, 0, true); }
                    var dst = Scratch(node, leaf.Type);
                    FillLeaf(leaf, st, dst, f0, len);
                    return (dst, 0, false);
                }
            case CastNode c:
                {
                    var (x, xo, xs) = Eval(c.X, f0, len);
                    var dst = Scratch(node, c.Type);
                    Kernels.Convert(c.X.Type, x, xo, c.Type, dst, xs ? 1 : len);
                    return (dst, 0, xs);
                }
            case UnaryNode u:
                {
                    var (x, xo, xs) = Eval(u.X, f0, len);
                    var dst = Scratch(node, u.Type);
                    Kernels.Unary(u.Op, u.Type, x, xo, dst, xs ? 1 : len);
                    return (dst, 0, xs);
                }
            case BinaryNode b:
                {
                    var (x, xo, xs) = Eval(b.L, f0, len);
                    var (y, yo, ys) = Eval(b.R, f0, len);
                    var dst = Scratch(node, b.Type);
                    int n = xs && ys ? 1 : len;
                    if (Operators.IsComparison(b.Op)) Kernels.Compare(b.Op, b.L.Type, x, xo, xs, y, yo, ys, (bool[])dst, n);
                    else Kernels.Binary(b.Op, b.Type, x, xo, xs, y, yo, ys, dst, n);
                    return (dst, 0, xs && ys);
                }
            case WhereNode w:
                {
                    var (c, co, cs) = Eval(w.C, f0, len);
                    var (x, xo, xs) = Eval(w.A, f0, len);
                    var (y, yo, ys) = Eval(w.B, f0, len);
                    var dst = Scratch(node, w.Type);
                    if (cs)
                    {
                        bool pick = ((bool[])c)[co];
                        var (s, so, ss) = pick ? (x, xo, xs) : (y, yo, ys);
                        Kernels.Gather(w.Type, s, so, ss ? 0 : 1, dst, 0, len);
                    }
                    else Kernels.Where((bool[])c, co, w.Type, x, xo, xs, y, yo, ys, dst, len);
                    return (dst, 0, false);
                }
            default: throw new InvalidOperationException($"Unknown program node {node.GetType().Name}.");
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void FillLeaf(LeafNode leaf, LeafState st, Array dst, int f0, int len)
    {
        if (st.Aligned || _n == 0) { FillRun(leaf, st, dst, 0, _n == 0 ? 0 : f0, 1, len); return; }
        var coords = new int[_n];
        int rem = f0;
        for (int a = _n - 1; a >= 0; a--) { coords[a] = rem % _shape[a]; rem /= _shape[a]; }
        int pos = 0;
        int last = _n - 1;
        while (pos < len)
        {
            int piece = Math.Min(_shape[last] - coords[last], len - pos);
            long b = 0;
            for (int k = 0; k < _n; k++) b += coords[k] * st.StrideByOut[k];
            FillRun(leaf, st, dst, pos, b, st.StrideByOut[last], piece);
            pos += piece;
            coords[last] += piece;
            for (int k = last; k > 0 && coords[k] == _shape[k]; k--) { coords[k] = 0; coords[k - 1]++; }
        }
    }

    [System.Runtime.CompilerServices.MethodImpl(System.Runtime.CompilerServices.MethodImplOptions.AggressiveOptimization)]
    private void FillRun(LeafNode leaf, LeafState st, Array dst, int at, long start, long step, int count)
    {
        switch (leaf.Kind)
        {
            case LeafKind.Source:
                Kernels.Gather(leaf.Type, st.Data!, start, step, dst, at, count);
                return;
            case LeafKind.Full:
                Kernels.Fill(leaf.Type, dst, at, count, leaf.A);
                return;
        }
        var buf = leaf.Type == DType.Float64 ? ((double[])dst).AsSpan(at, count) : (_tmp ??= new double[Tile]).AsSpan(0, count);
        switch (leaf.Kind)
        {
            case LeafKind.Uniform: CounterRandom.Uniform(st.Key, start, step, buf); break;
            case LeafKind.Normal: CounterRandom.Normal(st.Key, start, step, buf, _tmp2 ??= new double[Tile]); break;
            default: Kernels.Ramp(buf, st.RampOffset + start, step, leaf.A, leaf.B); break;
        }
        if (leaf.Type != DType.Float64) Kernels.Convert(DType.Float64, _tmp!, 0, leaf.Type, dst, count, at);
    }

    /// <summary>Where one leaf's values come from for this block: strides per output axis, key, source data.</summary>
    private sealed class LeafState
    {
        public readonly long[] StrideByOut;
        public readonly bool Aligned;
        public readonly Array? Data;
        public readonly ulong Key;
        public readonly double RampOffset;

        public LeafState(LeafNode leaf, int[] blockIndex, int[] outShape, Array? data)
        {
            var lb = BlockProgram.LeafBlock(leaf, blockIndex);
            var lshape = ShapeMath.BlockShape(leaf.LeafChunks, lb);
            var ls = ShapeMath.Strides(lshape);
            int n = outShape.Length;
            StrideByOut = new long[n];
            bool aligned = lshape.Length == n;
            for (int k = 0; k < n; k++)
            {
                int a = leaf.AxisOf[k];
                StrideByOut[k] = a >= 0 ? ls[a] : 0;
                if (a != k || lshape[k] != outShape[k]) aligned = false;
            }
            Aligned = aligned;
            Data = data;
            if (data is not null && data.Length != ShapeMath.Size(lshape))
                throw new InvalidOperationException($"A source block has {data.Length} elements but its chunks say shape {ShapeMath.Format(lshape)}.");
            if (leaf.Kind is LeafKind.Uniform or LeafKind.Normal)
                Key = CounterRandom.Key(leaf.Seed, ShapeMath.FlatBlock(ShapeMath.GridShape(leaf.LeafChunks), lb));
            if (leaf.Kind == LeafKind.Ramp)
                for (int b = 0; b < lb[0]; b++) RampOffset += leaf.LeafChunks[0][b];
        }
    }
}
