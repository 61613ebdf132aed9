namespace TaskGraph.Frames;

/// <summary>The built-in aggregations.</summary>
public enum AggKind
{
    /// <summary>Sum of present values (0 for none).</summary>
    Sum,
    /// <summary>Mean of present values.</summary>
    Mean,
    /// <summary>Number of present values.</summary>
    Count,
    /// <summary>Number of rows.</summary>
    Size,
    /// <summary>Smallest present value.</summary>
    Min,
    /// <summary>Largest present value.</summary>
    Max,
    /// <summary>Sample standard deviation (ddof 1).</summary>
    Std,
    /// <summary>Sample variance (ddof 1).</summary>
    Var,
    /// <summary>Number of distinct present values.</summary>
    NUnique,
    /// <summary>First present value.</summary>
    First,
    /// <summary>Last present value.</summary>
    Last,
    /// <summary>User-defined chunk / combine / finalize.</summary>
    Custom,
}

/// <summary>
/// One aggregation of a group-by (or of a whole frame): what to compute, over which column, and the output
/// column name. Plain data; a custom aggregation also carries its three user functions (Dask's <c>Aggregation</c>).
/// </summary>
[TokenizeByFields]
public sealed class Aggregation
{
    internal Aggregation(AggKind kind, string? column, string name, CustomAggregation? custom = null)
    {
        Kind = kind;
        Column = column;
        Name = name;
        Custom = custom;
    }

    /// <summary>The aggregation.</summary>
    public AggKind Kind { get; }

    /// <summary>The input column (null for <see cref="AggKind.Size"/>).</summary>
    public string? Column { get; }

    /// <summary>The output column name.</summary>
    public string Name { get; }

    /// <summary>The user functions of a custom aggregation.</summary>
    public CustomAggregation? Custom { get; }

    /// <summary>The same aggregation under another output name.</summary>
    public Aggregation As(string name) => new(Kind, Column, name, Custom);

    /// <summary>The output type for an input of <paramref name="input"/>; throws on a type the aggregation cannot take.</summary>
    public ColumnType OutputType(Schema input)
    {
        if (Kind == AggKind.Size) return ColumnType.Int64;
        var t = input[Column!].Type;
        return Kind switch
        {
            AggKind.Count or AggKind.NUnique => ColumnType.Int64,
            AggKind.Sum => t switch
            {
                ColumnType.Double => ColumnType.Double,
                ColumnType.Int32 or ColumnType.Int64 or ColumnType.Bool => ColumnType.Int64,
                _ => throw new InvalidOperationException($"Sum needs a numeric column; '{Column}' is {t}."),
            },
            AggKind.Mean or AggKind.Std or AggKind.Var => t.IsNumeric() || t == ColumnType.Bool ? ColumnType.Double
                : throw new InvalidOperationException($"{Kind} needs a numeric column; '{Column}' is {t}."),
            AggKind.Custom => Custom!.OutputType,
            _ => t,
        };
    }

    /// <inheritdoc />
    public override string ToString() => $"{Kind}({Column})->{Name}";
}

/// <summary>A user-defined aggregation: <see cref="Chunk"/> folds one group's values of one partition into a state,
/// <see cref="Combine"/> merges two states, <see cref="Finalize"/> turns a state into the output value.</summary>
public sealed record CustomAggregation(Func<Column, object?> Chunk, Func<object?, object?, object?> Combine, Func<object?, object?> Finalize, ColumnType OutputType);

/// <summary>Aggregation factories: <c>using static TaskGraph.Frames.Agg;</c> then <c>Sum("fare")</c>, <c>Count()</c>.</summary>
public static class Agg
{
    /// <summary>Sum of <paramref name="column"/>.</summary>
    public static Aggregation Sum(string column, string? name = null) => new(AggKind.Sum, column, name ?? $"{column}_sum");
    /// <summary>Mean of <paramref name="column"/>.</summary>
    public static Aggregation Mean(string column, string? name = null) => new(AggKind.Mean, column, name ?? $"{column}_mean");
    /// <summary>Count of present values of <paramref name="column"/>.</summary>
    public static Aggregation Count(string column, string? name = null) => new(AggKind.Count, column, name ?? $"{column}_count");
    /// <summary>Number of rows.</summary>
    public static Aggregation Count() => new(AggKind.Size, null, "count");
    /// <summary>Minimum of <paramref name="column"/>.</summary>
    public static Aggregation Min(string column, string? name = null) => new(AggKind.Min, column, name ?? $"{column}_min");
    /// <summary>Maximum of <paramref name="column"/>.</summary>
    public static Aggregation Max(string column, string? name = null) => new(AggKind.Max, column, name ?? $"{column}_max");
    /// <summary>Sample standard deviation of <paramref name="column"/>.</summary>
    public static Aggregation Std(string column, string? name = null) => new(AggKind.Std, column, name ?? $"{column}_std");
    /// <summary>Sample variance of <paramref name="column"/>.</summary>
    public static Aggregation Var(string column, string? name = null) => new(AggKind.Var, column, name ?? $"{column}_var");
    /// <summary>Number of distinct present values of <paramref name="column"/>.</summary>
    public static Aggregation NUnique(string column, string? name = null) => new(AggKind.NUnique, column, name ?? $"{column}_nunique");
    /// <summary>First present value of <paramref name="column"/>, in partition order.</summary>
    public static Aggregation First(string column, string? name = null) => new(AggKind.First, column, name ?? $"{column}_first");
    /// <summary>Last present value of <paramref name="column"/>, in partition order.</summary>
    public static Aggregation Last(string column, string? name = null) => new(AggKind.Last, column, name ?? $"{column}_last");

    /// <summary>A custom aggregation from chunk / combine / finalize functions (keep them free of captured resources).</summary>
    public static Aggregation Custom<TState, TOut>(string column, string name, Func<Column, TState> chunk, Func<TState, TState, TState> combine, Func<TState, TOut> finalize)
        => new(AggKind.Custom, column, name, new CustomAggregation(
            c => chunk(c), (a, b) => combine((TState)a!, (TState)b!), s => finalize((TState)s!), ColumnTypes.Of(typeof(TOut))));
}
