using System.Numerics;

namespace TaskGraph.Arrays;

public sealed partial class NdArray<E>
{
    /// <summary>
    /// Cumulative sum along <paramref name="axis"/> (NumPy's <c>cumsum</c>; null: over the flattened array in C
    /// order). A scan across blocks, as Dask's <c>cumreduction</c>: each block's own cumulative sum, a chain of
    /// carries (the running total of the blocks before it along the axis, one small task per block), and one task
    /// per block adding its carry. The element type is kept (cast integer arrays to long first when totals may overflow).
    /// </summary>
    public NdArray<E> CumSum(int? axis = null) => Scan(ScanOp.Sum, axis);

    /// <summary>Cumulative product along <paramref name="axis"/> (NumPy's <c>cumprod</c>; null: flattened), built like <see cref="CumSum"/>.</summary>
    public NdArray<E> CumProd(int? axis = null) => Scan(ScanOp.Prod, axis);

    private NdArray<E> Scan(ScanOp op, int? axis)
    {
        if (DTypes.Of<E>() == DType.Bool) throw new InvalidOperationException($"Cum{op} is not defined on bool arrays; use AsType<int>() first.");
        if (axis is null) return Reshape(checked((int)Size)).Scan(op, 0);
        int ax = ShapeMath.CheckAxis(axis.Value, Rank);
        string name = op == ScanOp.Sum ? "cumsum" : "cumprod";
        var grid = Grid;
        var layer = LayerToken.Of("array-" + name, grid, ax);
        var p = new ScanParams(op, ax);
        var local = LayerStep.One<ScanParams, DenseArray<E>, DenseArray<E>>(name + "-block", ScanKernels.Local, p);
        var carry = LayerStep.Many<ScanParams, DenseArray<E>, DenseArray<E>>(name + "-carry", ScanKernels.Carry, p);
        var add = LayerStep.Many<ScanParams, DenseArray<E>, DenseArray<E>>(name, ScanKernels.AddCarry, p);
        var localStage = LayerToken.Stage(layer, local.Name);
        var carryStage = LayerToken.Stage(layer, carry.Name);
        var outStage = LayerToken.Stage(layer, add.Name);
        var gshape = grid.GridShape;
        int blocks = grid.Specs.Length;
        var locals = new TaskSpec[blocks];
        for (int f = 0; f < blocks; f++) locals[f] = local.Call(localStage[f], grid.Specs[f]);
        var carries = new TaskSpec?[blocks];
        var outs = new TaskSpec[blocks];
        // Blocks in C order: block g's predecessor along the axis (g[ax] - 1) always comes earlier.
        for (int f = 0; f < blocks; f++)
        {
            var g = ShapeMath.Unflatten(gshape, f);
            if (g[ax] == 0) { outs[f] = locals[f]; continue; }
            g[ax]--;
            int prev = ShapeMath.FlatBlock(gshape, g);
            carries[f] = carries[prev] is { } c ? carry.Call(carryStage[f], [locals[prev], c]) : carry.Call(carryStage[f], [locals[prev]]);
            outs[f] = add.Call(outStage[f], [locals[f], carries[f]!]);
        }
        return FromGrid(new BlockGrid(ShapeRef, ChunksRef, DType, outs, layer), name);
    }
}

/// <summary>The two scans: cumulative sum and cumulative product.</summary>
internal enum ScanOp : byte { Sum, Prod }

/// <summary>The parameters of a scan's tasks: the operation and the axis it runs along.</summary>
internal sealed record ScanParams(ScanOp Op, int Axis);

/// <summary>
/// The task bodies of a cumulative scan along one axis of a block, seen as (outer, length, inner): element
/// (o, i, j) sits at <c>(o * length + i) * inner + j</c>. A carry has the block's shape with the axis of length 1.
/// </summary>
internal static class ScanKernels
{
    /// <summary>The block's own cumulative sum or product along the axis.</summary>
    public static DenseArray<E> Local<E>(ScanParams p, DenseArray<E> block) where E : unmanaged
    {
        var data = (E[])block.Data.Clone();
        LocalScan(data, block.Shape, p);
        return new DenseArray<E>(data, block.Shape);
    }

    /// <summary>
    /// The running total before the next block: the last slice along the axis of <c>inputs[0]</c> (the previous
    /// block's own scan), combined with <c>inputs[1]</c> (the carry into that block) when there is one.
    /// </summary>
    public static DenseArray<E> Carry<E>(ScanParams p, DenseArray<E>[] inputs) where E : unmanaged
    {
        var prev = inputs[0];
        var (outer, len, inner) = Split(prev.Shape, p.Axis);
        var shape = (int[])prev.Shape.Clone();
        shape[p.Axis] = 1;
        var last = new E[outer * inner];
        if (len > 0) for (int o = 0; o < outer; o++) Array.Copy(prev.Data, (o * len + len - 1) * inner, last, o * inner, inner);
        else if (p.Op == ScanOp.Prod) Ones(last); // an empty block passes the identity on
        if (inputs.Length > 1) Combine(last, inputs[1].Data, p.Op);
        return new DenseArray<E>(last, shape);
    }

    /// <summary>A block's own scan (<c>inputs[0]</c>) with the carry (<c>inputs[1]</c>) folded into every slice.</summary>
    public static DenseArray<E> AddCarry<E>(ScanParams p, DenseArray<E>[] inputs) where E : unmanaged
    {
        var block = inputs[0];
        var data = (E[])block.Data.Clone();
        Broadcast(data, inputs[1].Data, block.Shape, p);
        return new DenseArray<E>(data, block.Shape);
    }

    private static (int Outer, int Length, int Inner) Split(int[] shape, int axis)
    {
        int outer = 1, inner = 1;
        for (int k = 0; k < axis; k++) outer *= shape[k];
        for (int k = axis + 1; k < shape.Length; k++) inner *= shape[k];
        return (outer, shape[axis], inner);
    }

    private static void Ones(Array a)
    {
        switch (a)
        {
            case double[] d: d.AsSpan().Fill(1); break;
            case float[] f: f.AsSpan().Fill(1); break;
            case long[] l: l.AsSpan().Fill(1); break;
            case int[] i: i.AsSpan().Fill(1); break;
        }
    }

    private static void LocalScan(Array a, int[] shape, ScanParams p)
    {
        switch (a)
        {
            case double[] d: LocalScan(d, shape, p); break;
            case float[] f: LocalScan(f, shape, p); break;
            case long[] l: LocalScan(l, shape, p); break;
            case int[] i: LocalScan(i, shape, p); break;
            default: throw new NotSupportedException($"Scans are not defined on {a.GetType().GetElementType()!.Name} arrays.");
        }
    }

    private static void LocalScan<T>(T[] d, int[] shape, ScanParams p) where T : INumber<T>
    {
        var (outer, len, inner) = Split(shape, p.Axis);
        for (int o = 0; o < outer; o++)
            for (int i = 1; i < len; i++)
            {
                int at = (o * len + i) * inner, before = at - inner;
                for (int j = 0; j < inner; j++) d[at + j] = p.Op == ScanOp.Sum ? d[at + j] + d[before + j] : d[at + j] * d[before + j];
            }
    }

    private static void Combine(Array a, Array b, ScanOp op)
    {
        switch (a)
        {
            case double[] d: Combine(d, (double[])b, op); break;
            case float[] f: Combine(f, (float[])b, op); break;
            case long[] l: Combine(l, (long[])b, op); break;
            case int[] i: Combine(i, (int[])b, op); break;
            default: throw new NotSupportedException($"Scans are not defined on {a.GetType().GetElementType()!.Name} arrays.");
        }
    }

    private static void Combine<T>(T[] a, T[] b, ScanOp op) where T : INumber<T>
    {
        for (int i = 0; i < a.Length; i++) a[i] = op == ScanOp.Sum ? a[i] + b[i] : a[i] * b[i];
    }

    private static void Broadcast(Array a, Array carry, int[] shape, ScanParams p)
    {
        switch (a)
        {
            case double[] d: Broadcast(d, (double[])carry, shape, p); break;
            case float[] f: Broadcast(f, (float[])carry, shape, p); break;
            case long[] l: Broadcast(l, (long[])carry, shape, p); break;
            case int[] i: Broadcast(i, (int[])carry, shape, p); break;
            default: throw new NotSupportedException($"Scans are not defined on {a.GetType().GetElementType()!.Name} arrays.");
        }
    }

    private static void Broadcast<T>(T[] d, T[] carry, int[] shape, ScanParams p) where T : INumber<T>
    {
        var (outer, len, inner) = Split(shape, p.Axis);
        for (int o = 0; o < outer; o++)
            for (int i = 0; i < len; i++)
            {
                int at = (o * len + i) * inner;
                for (int j = 0; j < inner; j++) d[at + j] = p.Op == ScanOp.Sum ? d[at + j] + carry[o * inner + j] : d[at + j] * carry[o * inner + j];
            }
    }
}
