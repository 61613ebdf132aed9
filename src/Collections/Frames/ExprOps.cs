namespace TaskGraph.Frames;

/// <summary>A binary operation; missing values propagate (a comparison with a missing value is missing, and a filter drops it).</summary>
internal sealed class Binary(BinaryOp op, Expr left, Expr right) : Expr
{
    /// <summary>The operator.</summary>
    public BinaryOp Op { get; } = op;
    /// <summary>Left operand.</summary>
    public Expr Left { get; } = left;
    /// <summary>Right operand.</summary>
    public Expr Right { get; } = right;

    /// <inheritdoc />
    public override ColumnType TypeIn(Schema schema)
    {
        var l = Left.TypeIn(schema);
        var r = Right.TypeIn(schema);
        string Mismatch() => $"Type mismatch in {this}: {Left} is {l}, {Right} is {r}.";
        if (!Operators.InFrames(Op)) throw new NotSupportedException($"{Op} is an array operator; frame expressions do not support it ({this}).");
        switch (Op)
        {
            case BinaryOp.Add when l == ColumnType.String && r == ColumnType.String: return ColumnType.String;
            case BinaryOp.Add or BinaryOp.Subtract or BinaryOp.Multiply or BinaryOp.Modulo:
                return l.IsNumeric() && r.IsNumeric() ? ColumnTypes.Promote(l, r) : throw new InvalidOperationException(Mismatch());
            case BinaryOp.Divide:
                return l.IsNumeric() && r.IsNumeric() ? ColumnType.Double : throw new InvalidOperationException(Mismatch());
            case BinaryOp.And or BinaryOp.Or:
                return l == ColumnType.Bool && r == ColumnType.Bool ? ColumnType.Bool : throw new InvalidOperationException(Mismatch());
            case BinaryOp.FillNull:
                return l == r ? l : l.IsNumeric() && r.IsNumeric() ? ColumnTypes.Promote(l, r) : throw new InvalidOperationException(Mismatch());
            default:
                return l == r || l.IsNumeric() && r.IsNumeric() ? ColumnType.Bool : throw new InvalidOperationException(Mismatch());
        }
    }

    /// <inheritdoc />
    public override Column Evaluate(Table table) => ColumnKernels.Binary(Op, Left, Right, table);

    /// <inheritdoc />
    public override void CollectColumns(ISet<string> into) { Left.CollectColumns(into); Right.CollectColumns(into); }

    /// <inheritdoc />
    public override string ToString() => $"({Left} {Op} {Right})";
}

/// <summary>A unary operation (<see cref="UnaryOp"/>).</summary>
internal sealed class Unary(UnaryOp op, Expr inner) : Expr
{
    /// <summary>The operator.</summary>
    public UnaryOp Op { get; } = op;
    /// <summary>The operand.</summary>
    public Expr Inner { get; } = inner;

    /// <inheritdoc />
    public override ColumnType TypeIn(Schema schema)
    {
        var t = Inner.TypeIn(schema);
        if (!Operators.InFrames(Op)) throw new NotSupportedException($"{Op} is an array operator; frame expressions do not support it ({this}).");
        ColumnType Need(bool ok, ColumnType result, string what)
            => ok ? result : throw new InvalidOperationException($"{Op} needs {what}; {Inner} is {t}.");
        return Op switch
        {
            UnaryOp.Negate => Need(t.IsNumeric(), t, "a number"),
            UnaryOp.Not => Need(t == ColumnType.Bool, ColumnType.Bool, "a Bool"),
            UnaryOp.IsNull or UnaryOp.IsNotNull => ColumnType.Bool,
            UnaryOp.Length => Need(t == ColumnType.String, ColumnType.Int32, "a String"),
            UnaryOp.Lower or UnaryOp.Upper => Need(t == ColumnType.String, ColumnType.String, "a String"),
            UnaryOp.Hour => Need(t == ColumnType.DateTime, ColumnType.Int32, "a DateTime"),
            _ => Need(t is ColumnType.Date or ColumnType.DateTime, ColumnType.Int32, "a Date or DateTime"),
        };
    }

    /// <inheritdoc />
    public override Column Evaluate(Table table) => ColumnKernels.Unary(Op, Inner.Evaluate(table));

    /// <inheritdoc />
    public override void CollectColumns(ISet<string> into) => Inner.CollectColumns(into);

    /// <inheritdoc />
    public override string DefaultName => Op is UnaryOp.Negate or UnaryOp.Not or UnaryOp.IsNull or UnaryOp.IsNotNull ? ToString() : Inner.DefaultName;

    /// <inheritdoc />
    public override string ToString() => $"{Op}({Inner})";
}
