namespace TaskGraph.Arrays;

public sealed partial class NdArray<E>
{
    /// <summary>Default number of partials one tree task combines (Dask's <c>split_every</c>).</summary>
    public const int DefaultSplitEvery = TreeReduction.DefaultSplitEvery;

    /// <summary>
    /// Builds a reduction: one chunk task per block (running this array's fused program and folding it), then per
    /// output block the collections' one <see cref="TreeReduction"/> (combine tasks of at most
    /// <paramref name="splitEvery"/> partials, then one finishing task). Reduced axes disappear from the result; the
    /// kept axes keep their chunks.
    /// </summary>
    internal NdArray<R> Reduce<R>(ReduceOp op, int[]? axes, int splitEvery, int ddof = 0, string? name = null) where R : unmanaged
    {
        TreeReduction.CheckSplitEvery(splitEvery, nameof(splitEvery));
        int n = Rank;
        var reduced = new bool[n];
        if (axes is null || axes.Length == 0) Array.Fill(reduced, true);
        else foreach (var a in axes) reduced[ShapeMath.CheckAxis(a, n)] = true;
        int argAxis = -1;
        if (ReduceOps.IsArg(op) && axes is { Length: > 0 })
        {
            if (axes.Length != 1) throw new ArgumentException("ArgMin/ArgMax take one axis or none.", nameof(axes));
            argAxis = ShapeMath.CheckAxis(axes[0], n);
        }
        if (DType == DType.Bool && op is not (ReduceOp.Any or ReduceOp.All or ReduceOp.Sum or ReduceOp.Mean))
            throw new InvalidOperationException($"{op} is not defined on bool arrays; use AsType<int>() first.");
        name ??= op.ToString().ToLowerInvariant();
        var program = BlockProgram.For(Expr, ShapeRef, ChunksRef);
        var kernel = new ReduceKernel { Program = program, Op = op, Reduced = reduced, ArgAxis = argAxis };
        var chunk = LayerStep.Many<int[], object, ReducePartial>(name + "-chunk", kernel.Run, []);
        var combine = LayerStep.Many<ReduceOp, ReducePartial, ReducePartial>(name + "-combine", ReduceTree.Combine, op);
        var finish = LayerStep.Many<ReduceFinish, ReducePartial, DenseArray<R>>(name + "-agg", ReduceTree.Finish<R>, new ReduceFinish(op, 0, ddof, []));
        var layer = LayerToken.Of("array-" + name, Expr, Inputs.ToList(), ShapeRef, ChunksRef, (int)op, reduced, argAxis, splitEvery, ddof);
        var chunks = LayerToken.Stage(layer, name + "-chunk");

        var grid = NumBlocks;
        var keptAxes = Enumerable.Range(0, n).Where(a => !reduced[a]).ToArray();
        var outChunks = keptAxes.Select(a => ChunksRef[a]).ToArray();
        var outShape = keptAxes.Select(a => ShapeRef[a]).ToArray();
        var outGrid = ShapeMath.GridShape(outChunks);
        long count = 1;
        for (int a = 0; a < n; a++) if (reduced[a]) count *= ShapeRef[a];
        var baseOp = ReduceOps.Base(op);
        if (count == 0 && baseOp is ReduceOp.Min or ReduceOp.Max or ReduceOp.ArgMin or ReduceOp.ArgMax)
            throw new InvalidOperationException(baseOp is ReduceOp.Min or ReduceOp.Max
                ? $"zero-size array to reduction operation {(baseOp == ReduceOp.Min ? "minimum" : "maximum")} which has no identity (shape {ShapeMath.Format(ShapeRef)})."
                : $"attempt to get {op.ToString().ToLowerInvariant()} of an empty sequence (shape {ShapeMath.Format(ShapeRef)}).");
        var groups = new List<TaskSpec>[ShapeMath.Size(outGrid)];
        for (int i = 0; i < groups.Length; i++) groups[i] = new List<TaskSpec>();
        long blocks = ShapeMath.Size(grid);
        for (int f = 0; f < blocks; f++)
        {
            var g = ShapeMath.Unflatten(grid, f);
            var sources = new TaskSpec[program.SourceLeaves.Length];
            for (int i = 0; i < sources.Length; i++)
                sources[i] = Inputs[program.SourceLeaves[i].Slot].At(BlockProgram.LeafBlock(program.SourceLeaves[i], g));
            var og = keptAxes.Select(a => g[a]).ToArray();
            groups[ShapeMath.FlatBlock(outGrid, og)].Add(chunk.With(g).Call(chunks[f], sources));
        }
        var specs = new TaskSpec[groups.Length];
        for (int o = 0; o < groups.Length; o++)
        {
            var blockShape = ShapeMath.BlockShape(outChunks, ShapeMath.Unflatten(outGrid, o));
            specs[o] = TreeReduction.Reduce(groups[o], splitEvery, layer, combine, finish.With(new ReduceFinish(op, count, ddof, blockShape)), output: o);
        }
        return NdArray<R>.FromGrid(new BlockGrid(outShape, outChunks, DTypes.Of<R>(), specs, layer), name);
    }

    /// <summary>
    /// Sum over all axes. Partials accumulate in double (exact for integers up to 2^53) and the result keeps the
    /// element type, so cast integer arrays to long or double first when the total may overflow it.
    /// </summary>
    public NdArray<E> Sum() => Reduce<E>(ReduceOp.Sum, null, DefaultSplitEvery);
    /// <summary>Sum over <paramref name="axis"/>.</summary>
    public NdArray<E> Sum(int axis) => Reduce<E>(ReduceOp.Sum, [axis], DefaultSplitEvery);
    /// <summary>Sum over <paramref name="axes"/> (all when null), combining at most <paramref name="splitEvery"/> partials per task.</summary>
    public NdArray<E> Sum(int[]? axes, int splitEvery = DefaultSplitEvery) => Reduce<E>(ReduceOp.Sum, axes, splitEvery);

    /// <summary>Minimum over all axes.</summary>
    public NdArray<E> Min() => Reduce<E>(ReduceOp.Min, null, DefaultSplitEvery);
    /// <summary>Minimum over <paramref name="axis"/>.</summary>
    public NdArray<E> Min(int axis) => Reduce<E>(ReduceOp.Min, [axis], DefaultSplitEvery);
    /// <summary>Minimum over <paramref name="axes"/> (all when null).</summary>
    public NdArray<E> Min(int[]? axes, int splitEvery = DefaultSplitEvery) => Reduce<E>(ReduceOp.Min, axes, splitEvery);

    /// <summary>Maximum over all axes.</summary>
    public NdArray<E> Max() => Reduce<E>(ReduceOp.Max, null, DefaultSplitEvery);
    /// <summary>Maximum over <paramref name="axis"/>.</summary>
    public NdArray<E> Max(int axis) => Reduce<E>(ReduceOp.Max, [axis], DefaultSplitEvery);
    /// <summary>Maximum over <paramref name="axes"/> (all when null).</summary>
    public NdArray<E> Max(int[]? axes, int splitEvery = DefaultSplitEvery) => Reduce<E>(ReduceOp.Max, axes, splitEvery);

    /// <summary>Arithmetic mean over all axes.</summary>
    public NdArray<double> Mean() => Reduce<double>(ReduceOp.Mean, null, DefaultSplitEvery);
    /// <summary>Arithmetic mean over <paramref name="axis"/>.</summary>
    public NdArray<double> Mean(int axis) => Reduce<double>(ReduceOp.Mean, [axis], DefaultSplitEvery);
    /// <summary>Arithmetic mean over <paramref name="axes"/> (all when null).</summary>
    public NdArray<double> Mean(int[]? axes, int splitEvery = DefaultSplitEvery) => Reduce<double>(ReduceOp.Mean, axes, splitEvery);

    /// <summary>Variance over all axes (divisor N − <paramref name="ddof"/>), merged across blocks with Chan's update.</summary>
    public NdArray<double> Var(int ddof = 0) => Reduce<double>(ReduceOp.Var, null, DefaultSplitEvery, ddof);
    /// <summary>Variance over <paramref name="axes"/> (all when null).</summary>
    public NdArray<double> Var(int[]? axes, int ddof = 0, int splitEvery = DefaultSplitEvery) => Reduce<double>(ReduceOp.Var, axes, splitEvery, ddof);

    /// <summary>Standard deviation over all axes (divisor N − <paramref name="ddof"/>).</summary>
    public NdArray<double> Std(int ddof = 0) => Reduce<double>(ReduceOp.Std, null, DefaultSplitEvery, ddof);
    /// <summary>Standard deviation over <paramref name="axes"/> (all when null).</summary>
    public NdArray<double> Std(int[]? axes, int ddof = 0, int splitEvery = DefaultSplitEvery) => Reduce<double>(ReduceOp.Std, axes, splitEvery, ddof);

    /// <summary>Flat (C-order) index of the minimum; the first one on ties.</summary>
    public NdArray<long> ArgMin() => Reduce<long>(ReduceOp.ArgMin, null, DefaultSplitEvery);
    /// <summary>Index along <paramref name="axis"/> of the minimum; the first one on ties.</summary>
    public NdArray<long> ArgMin(int axis, int splitEvery = DefaultSplitEvery) => Reduce<long>(ReduceOp.ArgMin, [axis], splitEvery);
    /// <summary>Flat (C-order) index of the maximum; the first one on ties.</summary>
    public NdArray<long> ArgMax() => Reduce<long>(ReduceOp.ArgMax, null, DefaultSplitEvery);
    /// <summary>Index along <paramref name="axis"/> of the maximum; the first one on ties.</summary>
    public NdArray<long> ArgMax(int axis, int splitEvery = DefaultSplitEvery) => Reduce<long>(ReduceOp.ArgMax, [axis], splitEvery);

    /// <summary>True where any element is non-zero (all axes).</summary>
    public NdArray<bool> Any() => Reduce<bool>(ReduceOp.Any, null, DefaultSplitEvery);
    /// <summary>True where any element along <paramref name="axes"/> is non-zero.</summary>
    public NdArray<bool> Any(int[]? axes, int splitEvery = DefaultSplitEvery) => Reduce<bool>(ReduceOp.Any, axes, splitEvery);
    /// <summary>True where every element is non-zero (all axes).</summary>
    public NdArray<bool> All() => Reduce<bool>(ReduceOp.All, null, DefaultSplitEvery);
    /// <summary>True where every element along <paramref name="axes"/> is non-zero.</summary>
    public NdArray<bool> All(int[]? axes, int splitEvery = DefaultSplitEvery) => Reduce<bool>(ReduceOp.All, axes, splitEvery);

    /// <summary>
    /// Product over <paramref name="axes"/> (all when null). Partials multiply in double and the result keeps the
    /// element type, so integer products beyond 2^53 lose digits: cast to double first when they may.
    /// </summary>
    public NdArray<E> Prod(int[]? axes = null, int splitEvery = DefaultSplitEvery) => Reduce<E>(ReduceOp.Prod, axes, splitEvery);
    /// <summary>Product over <paramref name="axis"/>.</summary>
    public NdArray<E> Prod(int axis) => Reduce<E>(ReduceOp.Prod, [axis], DefaultSplitEvery);

    /// <summary>Sum over <paramref name="axes"/> (all when null) treating NaN as zero (NumPy's <c>nansum</c>; all-NaN gives 0).</summary>
    public NdArray<E> NanSum(int[]? axes = null, int splitEvery = DefaultSplitEvery) => Reduce<E>(ReduceOp.NanSum, axes, splitEvery);
    /// <summary>Sum over <paramref name="axis"/> skipping NaN.</summary>
    public NdArray<E> NanSum(int axis) => Reduce<E>(ReduceOp.NanSum, [axis], DefaultSplitEvery);
    /// <summary>Mean of the non-NaN elements over <paramref name="axes"/> (NumPy's <c>nanmean</c>; all-NaN gives NaN).</summary>
    public NdArray<double> NanMean(int[]? axes = null, int splitEvery = DefaultSplitEvery) => Reduce<double>(ReduceOp.NanMean, axes, splitEvery);
    /// <summary>Mean of the non-NaN elements over <paramref name="axis"/>.</summary>
    public NdArray<double> NanMean(int axis) => Reduce<double>(ReduceOp.NanMean, [axis], DefaultSplitEvery);
    /// <summary>Minimum ignoring NaN over <paramref name="axes"/> (NumPy's <c>nanmin</c>; all-NaN gives NaN).</summary>
    public NdArray<E> NanMin(int[]? axes = null, int splitEvery = DefaultSplitEvery) => Reduce<E>(ReduceOp.NanMin, axes, splitEvery);
    /// <summary>Minimum ignoring NaN over <paramref name="axis"/>.</summary>
    public NdArray<E> NanMin(int axis) => Reduce<E>(ReduceOp.NanMin, [axis], DefaultSplitEvery);
    /// <summary>Maximum ignoring NaN over <paramref name="axes"/> (NumPy's <c>nanmax</c>; all-NaN gives NaN).</summary>
    public NdArray<E> NanMax(int[]? axes = null, int splitEvery = DefaultSplitEvery) => Reduce<E>(ReduceOp.NanMax, axes, splitEvery);
    /// <summary>Maximum ignoring NaN over <paramref name="axis"/>.</summary>
    public NdArray<E> NanMax(int axis) => Reduce<E>(ReduceOp.NanMax, [axis], DefaultSplitEvery);
    /// <summary>Variance of the non-NaN elements (divisor count − <paramref name="ddof"/>; NaN when that is not positive), NumPy's <c>nanvar</c>.</summary>
    public NdArray<double> NanVar(int[]? axes = null, int ddof = 0, int splitEvery = DefaultSplitEvery) => Reduce<double>(ReduceOp.NanVar, axes, splitEvery, ddof);
    /// <summary>Standard deviation of the non-NaN elements, NumPy's <c>nanstd</c>.</summary>
    public NdArray<double> NanStd(int[]? axes = null, int ddof = 0, int splitEvery = DefaultSplitEvery) => Reduce<double>(ReduceOp.NanStd, axes, splitEvery, ddof);
    /// <summary>Flat index of the minimum ignoring NaN (NumPy's <c>nanargmin</c>); an all-NaN array fails with "All-NaN slice encountered".</summary>
    public NdArray<long> NanArgMin() => Reduce<long>(ReduceOp.NanArgMin, null, DefaultSplitEvery);
    /// <summary>Index along <paramref name="axis"/> of the minimum ignoring NaN; an all-NaN slice fails.</summary>
    public NdArray<long> NanArgMin(int axis, int splitEvery = DefaultSplitEvery) => Reduce<long>(ReduceOp.NanArgMin, [axis], splitEvery);
    /// <summary>Flat index of the maximum ignoring NaN (NumPy's <c>nanargmax</c>); an all-NaN array fails with "All-NaN slice encountered".</summary>
    public NdArray<long> NanArgMax() => Reduce<long>(ReduceOp.NanArgMax, null, DefaultSplitEvery);
    /// <summary>Index along <paramref name="axis"/> of the maximum ignoring NaN; an all-NaN slice fails.</summary>
    public NdArray<long> NanArgMax(int axis, int splitEvery = DefaultSplitEvery) => Reduce<long>(ReduceOp.NanArgMax, [axis], splitEvery);
}
