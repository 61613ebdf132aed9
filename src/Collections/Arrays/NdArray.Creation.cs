namespace TaskGraph.Arrays;

public abstract partial class NdArray
{
    private static NdArray<E> Generated<E>(LeafKind kind, int[] shape, int[][] chunks, string name, double a = 0, double b = 0, ulong seed = 0) where E : unmanaged
    {
        ShapeMath.CheckChunks(shape, chunks);
        var leaf = new LeafNode
        {
            Kind = kind, Type = DTypes.Of<E>(), AxisOf = Enumerable.Range(0, shape.Length).ToArray(),
            LeafShape = shape, LeafChunks = chunks, A = a, B = b, Seed = seed,
        };
        return new NdArray<E>(shape, chunks, leaf, [], name);
    }

    private static int[][] Regular(int[] shape, int[] chunkShape)
    {
        ArgumentNullException.ThrowIfNull(shape);
        foreach (var d in shape) if (d < 0) throw new ArgumentException($"Negative dimension in shape {ShapeMath.Format(shape)}.", nameof(shape));
        return ShapeMath.Regular((int[])shape.Clone(), chunkShape ?? shape);
    }

    /// <summary>An array of <paramref name="shape"/> filled with <paramref name="value"/>, in blocks of <paramref name="chunks"/>.</summary>
    public static NdArray<E> Full<E>(int[] shape, int[] chunks, E value) where E : unmanaged => Full(shape, Regular(shape, chunks), value);

    /// <summary>An array of <paramref name="shape"/> filled with <paramref name="value"/>, with explicit chunks per axis.</summary>
    public static NdArray<E> Full<E>(int[] shape, int[][] chunks, E value) where E : unmanaged
        => Generated<E>(LeafKind.Full, (int[])shape.Clone(), chunks, "full", a: value switch { double d => d, float f => f, int i => i, long l => l, bool x => x ? 1 : 0, _ => 0 });

    /// <summary>An array of zeros.</summary>
    public static NdArray<E> Zeros<E>(int[] shape, int[] chunks) where E : unmanaged => Generated<E>(LeafKind.Full, (int[])shape.Clone(), Regular(shape, chunks), "zeros");

    /// <summary>An array of ones.</summary>
    public static NdArray<E> Ones<E>(int[] shape, int[] chunks) where E : unmanaged => Generated<E>(LeafKind.Full, (int[])shape.Clone(), Regular(shape, chunks), "ones", a: 1);

    /// <summary>The integers <c>0 .. stop-1</c> (NumPy's <c>arange(stop)</c>), in chunks of <paramref name="chunk"/>.</summary>
    public static NdArray<long> Arange(int stop, int chunk)
        => Generated<long>(LeafKind.Ramp, [Math.Max(0, stop)], Regular([Math.Max(0, stop)], [chunk]), "arange", 0, 1);

    /// <summary><c>start, start + step, …</c> below <paramref name="stop"/> (NumPy's <c>arange(start, stop, step)</c>).</summary>
    public static NdArray<double> Arange(double start, double stop, double step, int chunk)
    {
        if (step == 0 || double.IsNaN(step)) throw new ArgumentOutOfRangeException(nameof(step), "Arange step must be non-zero.");
        int n = (int)Math.Max(0, Math.Ceiling((stop - start) / step));
        return Generated<double>(LeafKind.Ramp, [n], Regular([n], [chunk]), "arange", start, step);
    }

    /// <summary><paramref name="num"/> evenly spaced numbers from <paramref name="start"/> to <paramref name="stop"/> (included when <paramref name="endpoint"/>).</summary>
    public static NdArray<double> Linspace(double start, double stop, int num, int chunk, bool endpoint = true)
    {
        if (num < 0) throw new ArgumentOutOfRangeException(nameof(num), $"Linspace needs a non-negative count, got {num}.");
        int div = endpoint ? num - 1 : num;
        double step = div > 0 ? (stop - start) / div : 0;
        return Generated<double>(LeafKind.Ramp, [num], Regular([num], [chunk]), "linspace", start, step);
    }

    /// <summary>
    /// Uniform random numbers in [0, 1) (NumPy's <c>random_sample</c>). Every block's numbers are a pure function
    /// of <paramref name="seed"/>, the block's index and the position in the block, so they do not depend on the
    /// scheduler, and the array costs no memory until used: each consumer regenerates the blocks it reads.
    /// </summary>
    public static NdArray<double> Random(int[] shape, int[] chunks, ulong seed)
        => Generated<double>(LeafKind.Uniform, (int[])shape.Clone(), Regular(shape, chunks), "random_sample", seed: seed);

    /// <summary>Uniform random numbers in [<paramref name="low"/>, <paramref name="high"/>).</summary>
    public static NdArray<double> RandomUniform(int[] shape, int[] chunks, ulong seed, double low, double high)
        => Random(shape, chunks, seed) * (high - low) + low;

    /// <summary>Normal random numbers (Box–Muller), reproducible like <see cref="Random(int[], int[], ulong)"/>.</summary>
    public static NdArray<double> RandomNormal(int[] shape, int[] chunks, ulong seed, double mean = 0, double std = 1)
    {
        var z = Generated<double>(LeafKind.Normal, (int[])shape.Clone(), Regular(shape, chunks), "normal", seed: seed);
        return mean == 0 && std == 1 ? z : z * std + mean;
    }

    /// <summary>An array over <paramref name="data"/> (C order, of <paramref name="shape"/>) cut into blocks of <paramref name="chunks"/>.</summary>
    public static NdArray<E> FromArray<E>(E[] data, int[] shape, int[] chunks) where E : unmanaged => FromArray(data, shape, Regular(shape, chunks));

    /// <summary>An array over a 2-d array cut into blocks of <paramref name="chunks"/>.</summary>
    public static NdArray<E> FromArray<E>(E[,] data, int[] chunks) where E : unmanaged
    {
        int r = data.GetLength(0), c = data.GetLength(1);
        var flat = new E[r * c];
        for (int i = 0; i < r; i++) for (int j = 0; j < c; j++) flat[i * c + j] = data[i, j];
        return FromArray(flat, [r, c], chunks);
    }

    /// <summary>An array over a dense array cut into blocks of <paramref name="chunks"/>.</summary>
    public static NdArray<E> FromArray<E>(DenseArray<E> data, int[] chunks) where E : unmanaged => FromArray(data.Data, data.Shape, chunks);

    /// <summary>An array over <paramref name="data"/> with explicit chunks per axis. The blocks are copied now and become literal tasks.</summary>
    public static NdArray<E> FromArray<E>(E[] data, int[] shape, int[][] chunks) where E : unmanaged
    {
        ArgumentNullException.ThrowIfNull(data);
        shape = (int[])shape.Clone();
        if (ShapeMath.Size(shape) != data.Length) throw new ArgumentException($"Data of length {data.Length} does not fit shape {ShapeMath.Format(shape)}.", nameof(data));
        ShapeMath.CheckChunks(shape, chunks);
        var grid = ShapeMath.GridShape(chunks);
        var offsets = chunks.Select(ShapeMath.Offsets).ToArray();
        var specs = new TaskSpec[ShapeMath.Size(grid)];
        var layer = LayerToken.Of("array-array", data, shape, chunks);
        for (int f = 0; f < specs.Length; f++)
        {
            var g = ShapeMath.Unflatten(grid, f);
            var bs = ShapeMath.BlockShape(chunks, g);
            var start = new int[shape.Length];
            for (int a = 0; a < start.Length; a++) start[a] = (int)offsets[a][g[a]];
            var block = new E[ShapeMath.Size(bs)];
            ShapeMath.CopyBox(data, shape, start, block, bs, new int[bs.Length], bs);
            specs[f] = TaskSpec.Literal(TaskKey.ForPartition("array", layer, f), new DenseArray<E>(block, bs));
        }
        return NdArray<E>.FromGrid(new BlockGrid(shape, chunks, DTypes.Of<E>(), specs, layer), "array");
    }

    /// <summary>A one-block array whose data (C order, of <paramref name="shape"/>) a delayed computation produces.</summary>
    public static NdArray<E> FromDelayed<E>(Delayed<E[]> data, int[] shape) where E : unmanaged
    {
        shape = (int[])shape.Clone();
        return FromDelayedBlocks(shape.Select(d => new[] { d }).ToArray(), [data]);
    }

    /// <summary>
    /// An array from delayed blocks: <paramref name="blocks"/> in C order over the grid of <paramref name="chunks"/>,
    /// each producing its block's data in C order (checked when it runs).
    /// </summary>
    public static NdArray<E> FromDelayedBlocks<E>(int[][] chunks, IReadOnlyList<Delayed<E[]>> blocks) where E : unmanaged
    {
        var shape = chunks.Select(c => c.Sum()).ToArray();
        ShapeMath.CheckChunks(shape, chunks);
        var grid = ShapeMath.GridShape(chunks);
        if (blocks.Count != ShapeMath.Size(grid)) throw new ArgumentException($"Expected {ShapeMath.Size(grid)} blocks for chunks {ShapeMath.FormatChunks(chunks)}, got {blocks.Count}.", nameof(blocks));
        var fn = TaskFunction.Create(new Func<E[], int[], DenseArray<E>>(WrapBlock), TaskInvokers.Call2<E[], int[], DenseArray<E>>, "from-delayed");
        var layer = LayerToken.Of("array-from-delayed", typeof(E), blocks.Select(b => b.Spec).ToList(), chunks);
        var specs = new TaskSpec[blocks.Count];
        for (int f = 0; f < specs.Length; f++)
            specs[f] = TaskSpec.Call(TaskKey.ForPartition("from-delayed", layer, f), fn, blocks[f].AsArg(), TaskArg.Value(ShapeMath.BlockShape(chunks, ShapeMath.Unflatten(grid, f))));
        return NdArray<E>.FromGrid(new BlockGrid(shape, chunks, DTypes.Of<E>(), specs, layer), "from-delayed");
    }

    private static DenseArray<E> WrapBlock<E>(E[] data, int[] shape) where E : unmanaged
        => data.Length == ShapeMath.Size(shape) ? new DenseArray<E>(data, shape)
            : throw new InvalidOperationException($"A delayed block has {data.Length} elements but its chunks say shape {ShapeMath.Format(shape)}.");

    // ---- elementwise functions ----------------------------------------------------------------------------

    /// <summary>Elementwise square root.</summary>
    public static NdArray<E> Sqrt<E>(NdArray<E> x) where E : unmanaged => NdArray<E>.Unary(UnaryOp.Sqrt, x);
    /// <summary>Elementwise e^x.</summary>
    public static NdArray<E> Exp<E>(NdArray<E> x) where E : unmanaged => NdArray<E>.Unary(UnaryOp.Exp, x);
    /// <summary>Elementwise natural logarithm.</summary>
    public static NdArray<E> Log<E>(NdArray<E> x) where E : unmanaged => NdArray<E>.Unary(UnaryOp.Log, x);
    /// <summary>Elementwise sine.</summary>
    public static NdArray<E> Sin<E>(NdArray<E> x) where E : unmanaged => NdArray<E>.Unary(UnaryOp.Sin, x);
    /// <summary>Elementwise cosine.</summary>
    public static NdArray<E> Cos<E>(NdArray<E> x) where E : unmanaged => NdArray<E>.Unary(UnaryOp.Cos, x);
    /// <summary>Elementwise tangent.</summary>
    public static NdArray<E> Tan<E>(NdArray<E> x) where E : unmanaged => NdArray<E>.Unary(UnaryOp.Tan, x);
    /// <summary>Elementwise floor.</summary>
    public static NdArray<E> Floor<E>(NdArray<E> x) where E : unmanaged => x.Floor();
    /// <summary>Elementwise ceiling.</summary>
    public static NdArray<E> Ceil<E>(NdArray<E> x) where E : unmanaged => x.Ceil();
    /// <summary>Elementwise rounding to <paramref name="decimals"/> decimals, halves to even (NumPy's <c>round</c>).</summary>
    public static NdArray<E> Round<E>(NdArray<E> x, int decimals = 0) where E : unmanaged => x.Round(decimals);
    /// <summary>Elementwise clip into [<paramref name="min"/>, <paramref name="max"/>] (NumPy's <c>clip</c>).</summary>
    public static NdArray<E> Clip<E>(NdArray<E> x, double? min, double? max) where E : unmanaged => x.Clip(min, max);
    /// <summary>Elementwise absolute value.</summary>
    public static NdArray<E> Abs<E>(NdArray<E> x) where E : unmanaged => NdArray<E>.Unary(UnaryOp.Abs, x);
    /// <summary>Elementwise power.</summary>
    public static NdArray<E> Pow<E>(NdArray<E> x, double exponent) where E : unmanaged => x.Pow(exponent);

    /// <summary>Elementwise choice: <paramref name="a"/> where <paramref name="condition"/> holds, else <paramref name="b"/> (all three broadcast).</summary>
    public static NdArray<E> Where<E>(NdArray<bool> condition, NdArray<E> a, NdArray<E> b) where E : unmanaged
        => NdArray<E>.Build<E>("where", e => new WhereNode { Type = DTypes.Of<E>(), C = e[0], A = e[1], B = e[2] }, condition, a, b);

    /// <summary>Elementwise choice between an array and a scalar.</summary>
    public static NdArray<E> Where<E>(NdArray<bool> condition, NdArray<E> a, E b) where E : unmanaged
        => Where(condition, a, Full(new int[0], new int[0][], b));

    /// <summary>Elementwise choice between a scalar and an array.</summary>
    public static NdArray<E> Where<E>(NdArray<bool> condition, E a, NdArray<E> b) where E : unmanaged
        => Where(condition, Full(new int[0], new int[0][], a), b);
}
