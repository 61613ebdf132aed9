namespace TaskGraph.Arrays;

/// <summary>
/// A lazy, chunked n-dimensional array of <typeparamref name="E"/> (double, float, int, long or bool). Operations
/// build a graph; <c>Compute()</c> runs it on a scheduler and returns a <see cref="DenseArray{T}"/>.
/// <code>
/// var x = NdArray.Random([20_000, 20_000], [2_000, 2_000], seed: 42);
/// double m = (x + x.T).Mean(axis: 0).Sum().Compute().Scalar;
/// </code>
/// </summary>
public sealed partial class NdArray<E> : NdArray where E : unmanaged
{
    internal NdArray(int[] shape, int[][] chunks, ElemNode expr, BlockGrid[] inputs, string name)
        : base(shape, chunks, expr, inputs, name)
    {
        if (expr.Type != DTypes.Of<E>()) throw new InvalidOperationException($"Internal: program type {expr.Type} is not {DTypes.Of<E>()}.");
    }

    /// <summary>An array that is exactly the given layer of block tasks.</summary>
    internal static NdArray<E> FromGrid(BlockGrid grid, string name) => new(grid.Shape, grid.Chunks, SourceLeaf(grid), [grid], name);

    private protected override LayerStep BlockStep(BlockProgram program)
        => LayerStep.Many<int[], object, DenseArray<E>>(Name, program.Run<E>, []);

    /// <summary>The delayed blocks of this array, in C order over the block grid.</summary>
    public Delayed<DenseArray<E>>[] ToDelayedBlocks() => Grid.Specs.Select(Delayed.FromSpec<DenseArray<E>>).ToArray();

    /// <summary>One delayed value assembling the whole array (one extra task that concatenates the blocks).</summary>
    public Delayed<DenseArray<E>> ToDelayed()
    {
        int[] shape = ShapeRef;
        int[][] chunks = ChunksRef;
        return Delayed.All(ToDelayedBlocks(), Name + "-assemble").Then(blocks => Assemble(shape, chunks, blocks), Name + "-assemble");
    }

    /// <summary>
    /// Computes the blocks now and keeps them (Dask's <c>persist</c>): the handle's <see cref="Persisted{T}.Value"/>
    /// is this array backed by the computed blocks (same keys), so later computations on it do not recompute them.
    /// On the process pool blocks over 64 KB stay in the worker processes that made them and are used there;
    /// elsewhere they are kept in this process. Dispose the handle to release them.
    /// </summary>
    public Persisted<NdArray<E>> Persist(IScheduler? scheduler = null) => Persist(new ComputeOptions { Scheduler = scheduler });

    /// <inheritdoc cref="Persist(IScheduler?)"/>
    public Persisted<NdArray<E>> Persist(ComputeOptions options) => Backed(Grid, Persistence.Run(Grid.Specs, options));

    /// <inheritdoc cref="Persist(IScheduler?)"/>
    public async Task<Persisted<NdArray<E>>> PersistAsync(ComputeOptions? options = null)
        => Backed(Grid, await Persistence.RunAsync(Grid.Specs, options).ConfigureAwait(false));

    private Persisted<NdArray<E>> Backed(BlockGrid grid, PersistedResults kept)
        => new(FromGrid(new BlockGrid(grid.Shape, grid.Chunks, grid.Type, [.. kept.Specs], grid.Token), Name), kept);

    /// <summary>Computes the array on the default scheduler (or <paramref name="scheduler"/>) into one dense array.</summary>
    public DenseArray<E> Compute(IScheduler? scheduler = null) => Compute(new ComputeOptions { Scheduler = scheduler });

    /// <summary>Computes the array with <paramref name="options"/> into one dense array.</summary>
    public DenseArray<E> Compute(ComputeOptions options)
    {
        var blocks = Delayed.Compute(ToDelayedBlocks(), options);
        return Assemble(ShapeRef, ChunksRef, blocks);
    }

    /// <summary>Computes the array and returns its elements in C (row-major) order.</summary>
    public E[] ToArray(IScheduler? scheduler = null) => Compute(scheduler).Data;

    internal static DenseArray<E> Assemble(int[] shape, int[][] chunks, DenseArray<E>[] blocks)
    {
        if (blocks.Length == 1 && blocks[0].Shape.SequenceEqual(shape)) return blocks[0];
        var data = new E[ShapeMath.Size(shape)];
        var grid = ShapeMath.GridShape(chunks);
        var offsets = chunks.Select(ShapeMath.Offsets).ToArray();
        for (int f = 0; f < blocks.Length; f++)
        {
            var g = ShapeMath.Unflatten(grid, f);
            var start = new int[shape.Length];
            for (int a = 0; a < shape.Length; a++) start[a] = (int)offsets[a][g[a]];
            var b = blocks[f];
            ShapeMath.CopyBox(b.Data, b.Shape, new int[shape.Length], data, shape, start, b.Shape);
        }
        return new DenseArray<E>(data, shape);
    }

    // ---- elementwise building ------------------------------------------------------------------------------

    internal static NdArray<R> Build<R>(string name, Func<ElemNode[], ElemNode> make, params NdArray[] operands) where R : unmanaged
    {
        var (shape, chunks, exprs, inputs) = Broadcasting.Align(operands);
        var root = make(exprs);
        return new NdArray<R>(shape, chunks, root, inputs, name);
    }

    internal static ElemNode Cast(ElemNode x, DType t) => x switch
    {
        _ when x.Type == t => x,
        ScalarNode s => new ScalarNode { Type = t, Value = s.Value },
        // Generators compute in double and convert on output, so a cast only changes the type they convert to.
        LeafNode { Kind: not LeafKind.Source } g when t != DType.Bool && g.Type != DType.Bool && (DTypes.IsFloat(t) || !DTypes.IsFloat(g.Type)) => Retyped(g, t),
        _ => new CastNode { Type = t, X = x },
    };

    private static LeafNode Retyped(LeafNode g, DType t)
    {
        var c = g.With(g.AxisOf);
        c.Type = t;
        return c;
    }

    private static NdArray<E> Arith(BinaryOp op, NdArray<E> a, NdArray<E> b)
    {
        var t = DTypes.Of<E>();
        if (t == DType.Bool) throw new InvalidOperationException($"Operator {Operators.Symbol(op)} is not defined on bool arrays; use AsType<int>() first.");
        return Build<E>(op.ToString().ToLowerInvariant(), e => new BinaryNode { Type = t, Op = op, L = e[0], R = e[1] }, a, b);
    }

    private static NdArray<E> Arith(BinaryOp op, NdArray<E> a, double s, bool scalarLeft)
    {
        var t = DTypes.Of<E>();
        if (t == DType.Bool) throw new InvalidOperationException($"Operator {Operators.Symbol(op)} is not defined on bool arrays; use AsType<int>() first.");
        var sn = new ScalarNode { Type = t, Value = s };
        return Build<E>(op.ToString().ToLowerInvariant(), e => scalarLeft ? new BinaryNode { Type = t, Op = op, L = sn, R = e[0] } : new BinaryNode { Type = t, Op = op, L = e[0], R = sn }, a);
    }

    private static NdArray<bool> Cmp(BinaryOp op, NdArray<E> a, NdArray<E> b)
        => Build<bool>(op.ToString().ToLowerInvariant(), e => new BinaryNode { Type = DType.Bool, Op = op, L = e[0], R = e[1] }, a, b);

    private static NdArray<bool> Cmp(BinaryOp op, NdArray<E> a, double s)
        => Build<bool>(op.ToString().ToLowerInvariant(), e => new BinaryNode { Type = DType.Bool, Op = op, L = e[0], R = new ScalarNode { Type = e[0].Type, Value = s } }, a);

    private static double D(E v) => v switch
    {
        double d => d,
        float f => f,
        int i => i,
        long l => l,
        bool b => b ? 1 : 0,
        _ => throw new NotSupportedException(),
    };

    /// <summary>Elementwise sum (NumPy broadcasting).</summary>
    public static NdArray<E> operator +(NdArray<E> a, NdArray<E> b) => Arith(BinaryOp.Add, a, b);
    /// <summary>Adds a scalar to every element.</summary>
    public static NdArray<E> operator +(NdArray<E> a, E b) => Arith(BinaryOp.Add, a, D(b), false);
    /// <summary>Adds a scalar to every element.</summary>
    public static NdArray<E> operator +(E a, NdArray<E> b) => Arith(BinaryOp.Add, b, D(a), true);
    /// <summary>Elementwise difference (NumPy broadcasting).</summary>
    public static NdArray<E> operator -(NdArray<E> a, NdArray<E> b) => Arith(BinaryOp.Subtract, a, b);
    /// <summary>Subtracts a scalar from every element.</summary>
    public static NdArray<E> operator -(NdArray<E> a, E b) => Arith(BinaryOp.Subtract, a, D(b), false);
    /// <summary>Subtracts every element from a scalar.</summary>
    public static NdArray<E> operator -(E a, NdArray<E> b) => Arith(BinaryOp.Subtract, b, D(a), true);
    /// <summary>Elementwise product (NumPy broadcasting).</summary>
    public static NdArray<E> operator *(NdArray<E> a, NdArray<E> b) => Arith(BinaryOp.Multiply, a, b);
    /// <summary>Multiplies every element by a scalar.</summary>
    public static NdArray<E> operator *(NdArray<E> a, E b) => Arith(BinaryOp.Multiply, a, D(b), false);
    /// <summary>Multiplies every element by a scalar.</summary>
    public static NdArray<E> operator *(E a, NdArray<E> b) => Arith(BinaryOp.Multiply, b, D(a), true);
    /// <summary>Elementwise quotient; integer arrays divide as C# integers do (cast with <see cref="AsType{R}"/> for true division).</summary>
    public static NdArray<E> operator /(NdArray<E> a, NdArray<E> b) => Arith(BinaryOp.Divide, a, b);
    /// <summary>Divides every element by a scalar.</summary>
    public static NdArray<E> operator /(NdArray<E> a, E b) => Arith(BinaryOp.Divide, a, D(b), false);
    /// <summary>Divides a scalar by every element.</summary>
    public static NdArray<E> operator /(E a, NdArray<E> b) => Arith(BinaryOp.Divide, b, D(a), true);
    /// <summary>Elementwise modulo with NumPy's sign rule (the result has the divisor's sign).</summary>
    public static NdArray<E> operator %(NdArray<E> a, NdArray<E> b) => Arith(BinaryOp.Modulo, a, b);
    /// <summary>Every element modulo a scalar, with NumPy's sign rule.</summary>
    public static NdArray<E> operator %(NdArray<E> a, E b) => Arith(BinaryOp.Modulo, a, D(b), false);
    /// <summary>Elementwise negation.</summary>
    public static NdArray<E> operator -(NdArray<E> a) => Unary(UnaryOp.Negate, a);

    /// <summary>Elementwise <c>a &lt; b</c>.</summary>
    public static NdArray<bool> operator <(NdArray<E> a, NdArray<E> b) => Cmp(BinaryOp.Less, a, b);
    /// <summary>Elementwise <c>a &gt; b</c>.</summary>
    public static NdArray<bool> operator >(NdArray<E> a, NdArray<E> b) => Cmp(BinaryOp.Greater, a, b);
    /// <summary>Elementwise <c>a &lt;= b</c>.</summary>
    public static NdArray<bool> operator <=(NdArray<E> a, NdArray<E> b) => Cmp(BinaryOp.LessOrEqual, a, b);
    /// <summary>Elementwise <c>a &gt;= b</c>.</summary>
    public static NdArray<bool> operator >=(NdArray<E> a, NdArray<E> b) => Cmp(BinaryOp.GreaterOrEqual, a, b);
    /// <summary>Elementwise <c>a &lt; s</c>.</summary>
    public static NdArray<bool> operator <(NdArray<E> a, E s) => Cmp(BinaryOp.Less, a, D(s));
    /// <summary>Elementwise <c>a &gt; s</c>.</summary>
    public static NdArray<bool> operator >(NdArray<E> a, E s) => Cmp(BinaryOp.Greater, a, D(s));
    /// <summary>Elementwise <c>a &lt;= s</c>.</summary>
    public static NdArray<bool> operator <=(NdArray<E> a, E s) => Cmp(BinaryOp.LessOrEqual, a, D(s));
    /// <summary>Elementwise <c>a &gt;= s</c>.</summary>
    public static NdArray<bool> operator >=(NdArray<E> a, E s) => Cmp(BinaryOp.GreaterOrEqual, a, D(s));
    /// <summary>Elementwise equality (an array, unlike <c>==</c> which C# keeps for reference equality).</summary>
    public NdArray<bool> Eq(NdArray<E> other) => Cmp(BinaryOp.Equal, this, other);
    /// <summary>Elementwise equality with a scalar.</summary>
    public NdArray<bool> Eq(E value) => Cmp(BinaryOp.Equal, this, D(value));
    /// <summary>Elementwise inequality.</summary>
    public NdArray<bool> Ne(NdArray<E> other) => Cmp(BinaryOp.NotEqual, this, other);
    /// <summary>Elementwise inequality with a scalar.</summary>
    public NdArray<bool> Ne(E value) => Cmp(BinaryOp.NotEqual, this, D(value));

    /// <summary>Elementwise logical and of bool arrays.</summary>
    public static NdArray<E> operator &(NdArray<E> a, NdArray<E> b) => Logical(BinaryOp.And, a, b);
    /// <summary>Elementwise logical or of bool arrays.</summary>
    public static NdArray<E> operator |(NdArray<E> a, NdArray<E> b) => Logical(BinaryOp.Or, a, b);
    /// <summary>Elementwise exclusive or of bool arrays.</summary>
    public static NdArray<E> operator ^(NdArray<E> a, NdArray<E> b) => Logical(BinaryOp.Xor, a, b);
    /// <summary>Elementwise logical not of a bool array.</summary>
    public static NdArray<E> operator !(NdArray<E> a)
        => DTypes.Of<E>() == DType.Bool ? Unary(UnaryOp.Not, a) : throw new InvalidOperationException("Operator ! needs a bool array.");

    private static NdArray<E> Logical(BinaryOp op, NdArray<E> a, NdArray<E> b)
    {
        if (DTypes.Of<E>() != DType.Bool) throw new InvalidOperationException($"Operator {Operators.Symbol(op)} needs bool arrays, not {DTypes.Name(DTypes.Of<E>())}.");
        return Build<E>(op.ToString().ToLowerInvariant(), e => new BinaryNode { Type = DType.Bool, Op = op, L = e[0], R = e[1] }, a, b);
    }

    internal static NdArray<E> Unary(UnaryOp op, NdArray<E> a)
    {
        var t = DTypes.Of<E>();
        if (op is UnaryOp.Sqrt or UnaryOp.Exp or UnaryOp.Log or UnaryOp.Sin or UnaryOp.Cos or UnaryOp.Tan && !DTypes.IsFloat(t))
            throw new InvalidOperationException($"{op} needs a float array, not {DTypes.Name(t)}; use AsType<double>() first.");
        if (t == DType.Bool && op != UnaryOp.Not) throw new InvalidOperationException($"{op} is not defined on bool arrays.");
        return Build<E>(op.ToString().ToLowerInvariant(), e => new UnaryNode { Type = t, Op = op, X = e[0] }, a);
    }

    /// <summary>Elementwise power with a scalar exponent.</summary>
    public NdArray<E> Pow(double exponent) => Arith(BinaryOp.Power, this, exponent, false);

    /// <summary>Elementwise power (NumPy broadcasting).</summary>
    public NdArray<E> Pow(NdArray<E> exponent) => Arith(BinaryOp.Power, this, exponent);

    /// <summary>Elementwise absolute value.</summary>
    public NdArray<E> Abs() => Unary(UnaryOp.Abs, this);

    /// <summary>Elementwise floor (integer arrays are returned unchanged).</summary>
    public NdArray<E> Floor() => Unary(UnaryOp.Floor, this);

    /// <summary>Elementwise ceiling (integer arrays are returned unchanged).</summary>
    public NdArray<E> Ceil() => Unary(UnaryOp.Ceil, this);

    /// <summary>
    /// Elementwise rounding to <paramref name="decimals"/> decimals, halves to even, computed as NumPy's
    /// <c>round</c> does (scale by 10^decimals, round to the nearest integer, scale back), so results match it
    /// bit for bit, including its <c>round(2.675, 2) == 2.67</c>.
    /// </summary>
    public NdArray<E> Round(int decimals = 0)
    {
        if (!DTypes.IsFloat(DTypes.Of<E>()) && decimals < 0)
            throw new NotSupportedException($"Round with negative decimals ({decimals}) needs a float array; use AsType<double>() first.");
        if (decimals == 0 || !DTypes.IsFloat(DTypes.Of<E>())) return Unary(UnaryOp.Round, this);
        double scale = Math.Pow(10, Math.Abs(decimals));
        return decimals > 0
            ? Arith(BinaryOp.Divide, Unary(UnaryOp.Round, Arith(BinaryOp.Multiply, this, scale, false)), scale, false)
            : Arith(BinaryOp.Multiply, Unary(UnaryOp.Round, Arith(BinaryOp.Divide, this, scale, false)), scale, false);
    }

    /// <summary>
    /// Elementwise clip into [<paramref name="min"/>, <paramref name="max"/>] (NumPy's <c>clip</c>: <c>min(max(x, lo), hi)</c>,
    /// NaN stays NaN); either bound may be null for no bound. Bounds are converted to the element type (an integer
    /// array clipped at 1.5 is clipped at 1; cast to double first for NumPy's upcast).
    /// </summary>
    public NdArray<E> Clip(double? min, double? max)
    {
        if (min is null && max is null) throw new ArgumentException("Clip needs a lower or an upper bound (both are null).");
        var r = this;
        if (min is { } lo) r = Arith(BinaryOp.Maximum, r, lo, false);
        if (max is { } hi) r = Arith(BinaryOp.Minimum, r, hi, false);
        return r;
    }

    /// <summary>The array converted to element type <typeparamref name="R"/> (floats truncate toward zero into integers).</summary>
    public NdArray<R> AsType<R>() where R : unmanaged
    {
        var t = DTypes.Of<R>();
        return new NdArray<R>(ShapeRef, ChunksRef, Cast(Expr, t), Inputs, "astype");
    }
}
