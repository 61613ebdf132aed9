namespace TaskGraph.Frames;

/// <summary>
/// A user function applied row by row to one to three expressions (pandas' <c>apply(f, axis=1, meta=...)</c> and
/// <c>Series.map</c>): its parameter types must be the inputs' column types (or their nullable forms, which also
/// receive missing values), and its return type is the output column's type (the <c>meta</c>), both checked when the
/// frame is built. A missing input skips the call (the output is missing) unless the parameter accepts null. The
/// function travels to worker processes like a <see cref="Frame.MapPartitions"/> function, and enters task keys
/// by its method and captured values.
/// </summary>
internal sealed class ApplyExpr : Expr
{
    /// <summary>Creates the expression over a <c>Func&lt;T1, .., R&gt;</c> of as many parameters as inputs.</summary>
    public ApplyExpr(Delegate function, Expr[] inputs)
    {
        Function = function;
        Inputs = inputs;
    }

    /// <summary>The user function (its delegate type carries the parameter and result types: nothing else to ship).</summary>
    public Delegate Function { get; }
    /// <summary>Its argument expressions.</summary>
    public Expr[] Inputs { get; }

    private Type[] ParameterTypes => Function.GetType().GetGenericArguments()[..^1];
    private Type ResultType => Function.GetType().GetGenericArguments()[^1];

    // The typed loop per delegate type (Run<T1, .., R> made once per type and process).
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Type, Func<Delegate, Column[], int, Column>> Kernels = new();

    private static Func<Delegate, Column[], int, Column> KernelOf(Type delegateType) => Kernels.GetOrAdd(delegateType, t =>
    {
        var args = t.GetGenericArguments();
        var run = typeof(ApplyExpr).GetMethods().Single(m => m.Name == nameof(Run) && m.GetGenericArguments().Length == args.Length);
        return run.MakeGenericMethod(args).CreateDelegate<Func<Delegate, Column[], int, Column>>();
    });

    /// <inheritdoc />
    public override ColumnType TypeIn(Schema schema)
    {
        for (int i = 0; i < Inputs.Length; i++)
        {
            var t = Inputs[i].TypeIn(schema);
            var p = ParameterTypes[i];
            if ((Nullable.GetUnderlyingType(p) ?? p) != t.ClrType())
                throw new InvalidOperationException($"Apply: {Inputs[i]} is {t} ({t.ClrType().Name}), but the function's parameter {i + 1} is {p.Name}; take {t.ClrType().Name} or Cast the input.");
        }
        return ColumnTypes.Of(ResultType);
    }

    /// <inheritdoc />
    public override Column Evaluate(Table table) => KernelOf(Function.GetType())(Function, Inputs.Select(e => e.Evaluate(table)).ToArray(), table.RowCount);

    /// <inheritdoc />
    public override void CollectColumns(ISet<string> into) { foreach (var e in Inputs) e.CollectColumns(into); }

    /// <inheritdoc />
    public override string DefaultName => Inputs[0].DefaultName;

    /// <inheritdoc />
    public override string ToString() => $"apply({TaskFunction.NameOf(Function.Method)}, {string.Join(", ", Inputs.Select(e => e.ToString()))})";

    /// <summary>The loop of a one-argument function.</summary>
    public static Column Run<T1, R>(Delegate function, Column[] c, int n)
    {
        var f = (Func<T1, R>)function;
        var read1 = ColumnValues<T1>.Read;
        bool all1 = ColumnValues<T1>.AcceptsMissing;
        var results = new R[n];
        bool[]? missing = null;
        for (int i = 0; i < n; i++)
        {
            if (!all1 && !c[0].IsValid(i)) { (missing ??= new bool[n])[i] = true; continue; }
            results[i] = f(read1(c[0], i));
        }
        return ColumnValues<R>.Build(results, missing, n);
    }

    /// <summary>The loop of a two-argument function.</summary>
    public static Column Run<T1, T2, R>(Delegate function, Column[] c, int n)
    {
        var f = (Func<T1, T2, R>)function;
        var read1 = ColumnValues<T1>.Read;
        var read2 = ColumnValues<T2>.Read;
        bool all1 = ColumnValues<T1>.AcceptsMissing, all2 = ColumnValues<T2>.AcceptsMissing;
        var results = new R[n];
        bool[]? missing = null;
        for (int i = 0; i < n; i++)
        {
            if (!all1 && !c[0].IsValid(i) || !all2 && !c[1].IsValid(i)) { (missing ??= new bool[n])[i] = true; continue; }
            results[i] = f(read1(c[0], i), read2(c[1], i));
        }
        return ColumnValues<R>.Build(results, missing, n);
    }

    /// <summary>The loop of a three-argument function.</summary>
    public static Column Run<T1, T2, T3, R>(Delegate function, Column[] c, int n)
    {
        var f = (Func<T1, T2, T3, R>)function;
        var read1 = ColumnValues<T1>.Read;
        var read2 = ColumnValues<T2>.Read;
        var read3 = ColumnValues<T3>.Read;
        bool all1 = ColumnValues<T1>.AcceptsMissing, all2 = ColumnValues<T2>.AcceptsMissing, all3 = ColumnValues<T3>.AcceptsMissing;
        var results = new R[n];
        bool[]? missing = null;
        for (int i = 0; i < n; i++)
        {
            if (!all1 && !c[0].IsValid(i) || !all2 && !c[1].IsValid(i) || !all3 && !c[2].IsValid(i)) { (missing ??= new bool[n])[i] = true; continue; }
            results[i] = f(read1(c[0], i), read2(c[1], i), read3(c[2], i));
        }
        return ColumnValues<R>.Build(results, missing, n);
    }
}
