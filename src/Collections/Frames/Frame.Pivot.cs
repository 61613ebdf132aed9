namespace TaskGraph.Frames;

public sealed partial class Frame
{
    /// <summary>The aggregations <see cref="PivotTable"/> takes.</summary>
    private static readonly AggKind[] PivotAggregations = [AggKind.Sum, AggKind.Mean, AggKind.Count, AggKind.Min, AggKind.Max, AggKind.First, AggKind.Last];

    /// <summary>
    /// A spreadsheet-style pivot table (Dask's <c>pivot_table(df, index, columns, values, aggfunc)</c>): one row per
    /// present value of <paramref name="index"/> (sorted), one column per known category of <paramref name="columns"/>
    /// (named by the category, in category order), each cell the <paramref name="aggregation"/> (Sum, Mean, Count,
    /// Min, Max, First or Last) of <paramref name="values"/> over the rows with that index value and category.
    /// <paramref name="columns"/> must have known categories (<see cref="Categorize(string[], IScheduler?)"/>), so the
    /// output columns are known before computing; every category gets a column, also one no row has. A cell without
    /// rows is missing, except that Count gives 0 there. Rows with a missing index or category are left out. Computed as a group-by on
    /// (index, columns) — per-partition partials, a tree of combines — reshaped in one output partition.
    /// </summary>
    public Frame PivotTable(string index, string columns, string values, AggKind aggregation = AggKind.Mean)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(columns);
        ArgumentNullException.ThrowIfNull(values);
        foreach (var c in new[] { index, columns, values }) Schema.IndexOf(c);
        if (index == columns) throw new ArgumentException($"PivotTable needs different index and columns; both are '{index}'.");
        if (Array.IndexOf(PivotAggregations, aggregation) < 0)
            throw new ArgumentException($"PivotTable aggregates with {string.Join(", ", PivotAggregations)}; not {aggregation}.", nameof(aggregation));
        var categories = _facts?.CategoriesOf(columns) ?? throw new InvalidOperationException(
            $"PivotTable needs known categories for column '{columns}' (its values become the output columns): call Categorize(\"{columns}\") first.");
        if (Array.IndexOf(categories, index) >= 0)
            throw new InvalidOperationException($"Column '{columns}' has the category \"{index}\", the name of the index column: rename one of them.");
        var agg = new Aggregation(aggregation, values, PivotOp.ValueColumn);
        var valueType = agg.OutputType(Schema);
        var grouped = new Frame(new GroupByNode(Select(index, columns, values), [index, columns], [agg], TreeReduction.DefaultSplitEvery, 1));
        var output = new Schema([Schema[index], .. categories.Select(c => new Field(c, valueType))]);
        return grouped.With(new PivotOp(index, columns, categories, valueType, aggregation == AggKind.Count), output);
    }
}

/// <summary>
/// Turns a group-by's long result (index, category, value) into the wide pivot table: one row per index value, one
/// column per category. Runs in the group-by's single output partition, so every index value is in one task.
/// </summary>
internal sealed class PivotOp(string index, string columns, string[] categories, ColumnType valueType, bool zeroWhenEmpty) : PartitionOp
{
    /// <summary>The name of the aggregated value in the group-by's output.</summary>
    public const string ValueColumn = "\u0001pivot-value";

    /// <summary>The index column.</summary>
    public string Index { get; } = index;
    /// <summary>The column whose categories become output columns.</summary>
    public string Columns { get; } = columns;
    /// <summary>The categories, in output order.</summary>
    public string[] Categories { get; } = categories;
    /// <summary>The type of every category column.</summary>
    public ColumnType ValueType { get; } = valueType;
    /// <summary>True when a cell without rows is 0 (counts) rather than missing.</summary>
    public bool ZeroWhenEmpty { get; } = zeroWhenEmpty;

    /// <inheritdoc />
    public override Table Apply(Table input)
    {
        var t = input.Take(Sorting.Order(input, [Index, Columns], null), input.RowCount);
        var key = t[Index];
        var category = t[Columns];
        var value = t[ValueColumn];
        var position = new Dictionary<string, int>(Categories.Length, StringComparer.Ordinal);
        for (int k = 0; k < Categories.Length; k++) position[Categories[k]] = k;
        // output row of every input row: a new one where the index value changes
        var rowOf = new int[t.RowCount];
        var firsts = new List<int>();
        for (int i = 0; i < t.RowCount; i++)
        {
            if (i == 0 || !key.ValueEquals(i, key, i - 1)) firsts.Add(i);
            rowOf[i] = firsts.Count - 1;
        }
        int rows = firsts.Count;
        var data = new Array[Categories.Length];
        var valid = new bool[Categories.Length][];
        for (int k = 0; k < data.Length; k++)
        {
            data[k] = Column.NewStorage(ValueType, rows);
            valid[k] = new bool[rows];
            if (ZeroWhenEmpty) Array.Fill(valid[k], true); // new storage is zeros
        }
        for (int i = 0; i < t.RowCount; i++)
        {
            var c = category.Strings[i]!;
            if (!position.TryGetValue(c, out int k))
                throw new InvalidOperationException($"Column '{Columns}' has the value \"{c}\", which is not among its known categories (the data changed since Categorize).");
            Array.Copy(value.Data, i, data[k], rowOf[i], 1);
            valid[k][rowOf[i]] = value.IsValid(i) || ZeroWhenEmpty;
        }
        var cols = new Column[1 + Categories.Length];
        cols[0] = key.Take(firsts.ToArray(), rows);
        for (int k = 0; k < Categories.Length; k++) cols[1 + k] = new Column(ValueType, data[k], rows, valid[k]);
        return new Table(new Schema([new Field(Index, key.Type), .. Categories.Select(c => new Field(c, ValueType))]), cols, rows);
    }

    /// <inheritdoc />
    public override IEnumerable<string> NeededInputs(IReadOnlyCollection<string> needed, Schema input) => input.Names;

    /// <inheritdoc />
    public override string ToString() => $"pivot({Index} x {Columns}: {Categories.Length} categories)";
}
