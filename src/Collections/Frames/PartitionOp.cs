namespace TaskGraph.Frames;

/// <summary>
/// One per-partition step of a frame's logical plan. Steps are plain data (expressions, names, schemas), so a whole
/// chain of them rides along as one argument of one task per partition: consecutive steps always fuse.
/// </summary>
internal abstract class PartitionOp : ITokenizable
{
    /// <summary>
    /// Fingerprints the step by its type and fields (expressions, names, schemas): equal steps give equal keys.
    /// A field that cannot be fingerprinted makes the token unique to this call.
    /// </summary>
    public virtual void AddToken(ref TokenBuilder builder)
    {
        if (!ValueTokenizer.TryAddFields(ref builder, this)) builder.Add(ValueTokenizer.Unique());
    }

    /// <summary>Applies the step to one partition.</summary>
    public abstract Table Apply(Table input);

    /// <summary>
    /// True when each output row depends only on its input row, so the step gives the same rows applied to any
    /// split of a partition (a read window) as to the whole partition.
    /// </summary>
    public virtual bool RowWise => false;

    /// <summary>Input columns needed to produce <paramref name="needed"/> output columns.</summary>
    public abstract IEnumerable<string> NeededInputs(IReadOnlyCollection<string> needed, Schema input);
}

/// <summary>Keeps the rows where a Bool expression is true (missing counts as false).</summary>
internal sealed class FilterOp(Expr predicate) : PartitionOp
{
    /// <summary>The predicate.</summary>
    public Expr Predicate { get; } = predicate;

    /// <inheritdoc />
    public override Table Apply(Table input)
    {
        var mask = Predicate.Evaluate(input);
        var rows = ColumnKernels.TrueRows(mask, out int count);
        if (count == input.RowCount) return input;
        return input.Take(rows, count);
    }

    /// <inheritdoc />
    public override IEnumerable<string> NeededInputs(IReadOnlyCollection<string> needed, Schema input) => needed.Concat(Predicate.Columns).Distinct();

    /// <inheritdoc />
    public override bool RowWise => true;

    /// <inheritdoc />
    public override string ToString() => $"filter({Predicate})";
}

/// <summary>Produces exactly the listed (name, expression) columns: Select, WithColumn, Rename and Drop all lower to this.</summary>
internal sealed class ProjectOp(string[] names, Expr[] exprs) : PartitionOp
{
    /// <summary>Output names.</summary>
    public string[] Names { get; } = names;

    /// <summary>Output expressions.</summary>
    public Expr[] Exprs { get; } = exprs;

    /// <inheritdoc />
    public override Table Apply(Table input)
    {
        var cols = new Column[Names.Length];
        for (int i = 0; i < cols.Length; i++) cols[i] = Exprs[i].Evaluate(input);
        return new Table(new Schema(Names.Select((n, i) => new Field(n, cols[i].Type))), cols, input.RowCount);
    }

    /// <inheritdoc />
    public override IEnumerable<string> NeededInputs(IReadOnlyCollection<string> needed, Schema input)
        => Names.Select((n, i) => (n, i)).Where(x => needed.Contains(x.n)).SelectMany(x => Exprs[x.i].Columns).Distinct();

    /// <inheritdoc />
    public override bool RowWise => true;

    /// <inheritdoc />
    public override string ToString() => "project(" + string.Join(", ", Names.Select((n, i) => $"{n}={Exprs[i]}")) + ")";
}

/// <summary>A user function over a whole partition, with its declared output schema.</summary>
internal sealed class MapOp(Func<Table, Table> function, Schema output) : PartitionOp
{
    /// <summary>The function.</summary>
    public Func<Table, Table> Function { get; } = function;

    /// <summary>The schema it promises.</summary>
    public Schema Output { get; } = output;

    /// <inheritdoc />
    public override Table Apply(Table input)
    {
        var r = Function(input);
        if (!r.Schema.Equals(Output))
            throw new InvalidOperationException($"MapPartitions returned schema {r.Schema}, but declared {Output}.");
        return r;
    }

    /// <inheritdoc />
    public override IEnumerable<string> NeededInputs(IReadOnlyCollection<string> needed, Schema input) => input.Names;

    // The function's token (method and captured values), or, when its state cannot be fingerprinted, one token made
    // for this step: the same step always gives the same keys, an equal-looking one never shares them.
    [TokenIgnore] private readonly Token _function = FunctionToken(function, output);

    private static Token FunctionToken(Func<Table, Table> function, Schema output)
    {
        var b = new TokenBuilder("frame-map");
        return ValueTokenizer.TryAdd(ref b, function) && ValueTokenizer.TryAdd(ref b, output) ? b.Finish() : ValueTokenizer.Unique();
    }

    /// <inheritdoc />
    public override void AddToken(ref TokenBuilder builder) => builder.Add(_function);

    /// <inheritdoc />
    public override string ToString() => $"map({TaskFunction.NameOf(Function.Method)}#{_function})";
}

/// <summary>Runs a chain of steps inside one task.</summary>
internal static class Pipeline
{
    /// <summary>Applies <paramref name="ops"/> in order.</summary>
    public static Table Run(Table input, PartitionOp[] ops)
    {
        foreach (var op in ops) input = op.Apply(input);
        return input;
    }

    /// <summary>
    /// Rewrites a chain so that every projection computes only what later steps and the consumer need, and returns
    /// the source columns the pruned chain reads (projection pushdown). <paramref name="schemas"/>[i] is the input
    /// schema of <paramref name="ops"/>[i].
    /// </summary>
    public static (PartitionOp[] Ops, string[] SourceColumns) Prune(PartitionOp[] ops, Schema[] schemas, IReadOnlyCollection<string> needed)
    {
        var result = new PartitionOp[ops.Length];
        IReadOnlyCollection<string> cur = needed.ToHashSet(StringComparer.Ordinal);
        for (int i = ops.Length - 1; i >= 0; i--)
        {
            var op = ops[i];
            if (op is ProjectOp p)
            {
                var keep = p.Names.Select((n, j) => (n, j)).Where(x => cur.Contains(x.n)).ToArray();
                op = keep.Length == p.Names.Length ? p : new ProjectOp(keep.Select(x => x.n).ToArray(), keep.Select(x => p.Exprs[x.j]).ToArray());
            }
            result[i] = op;
            cur = op.NeededInputs(cur, schemas[i]).ToHashSet(StringComparer.Ordinal);
        }
        var src = ops.Length == 0 ? needed : cur;
        return (result, (ops.Length == 0 ? schemas[^1] : schemas[0]).Names.Where(src.Contains).ToArray());
    }

    /// <summary>Input columns of a chain needed for <paramref name="needed"/> outputs.</summary>
    public static string[] NeededInputs(PartitionOp[] ops, Schema[] schemas, IReadOnlyCollection<string> needed)
    {
        // schemas[i] is the input schema of ops[i]
        IReadOnlyCollection<string> cur = needed;
        for (int i = ops.Length - 1; i >= 0; i--) cur = ops[i].NeededInputs(cur, schemas[i]).ToHashSet(StringComparer.Ordinal);
        // keep source order for determinism
        return schemas[0].Names.Where(cur.Contains).ToArray();
    }
}
