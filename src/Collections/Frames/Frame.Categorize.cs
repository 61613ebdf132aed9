namespace TaskGraph.Frames;

public sealed partial class Frame
{
    /// <summary>
    /// Makes the categories of String <paramref name="columns"/> known (Dask's <c>categorize</c>; every String column
    /// when none are named): their distinct present values are computed now on <paramref name="scheduler"/> (one
    /// pass over those columns alone), sorted ordinally, and every partition then codes the column against that one
    /// list, so codes agree across partitions. Known categories survive filters and projections that keep the
    /// column (see <see cref="KnownCategories"/>) and are what <see cref="PivotTable"/> needs for its output columns.
    /// </summary>
    public Frame Categorize(string[] columns, IScheduler? scheduler = null)
    {
        ArgumentNullException.ThrowIfNull(columns);
        if (columns.Length == 0) columns = Schema.Fields.Where(f => f.Type == ColumnType.String).Select(f => f.Name).ToArray();
        foreach (var c in columns)
            if (Schema[c].Type != ColumnType.String)
                throw new InvalidOperationException($"Categorize needs String columns; '{c}' is {Schema[c].Type} (cast it: Col(\"{c}\").Cast(ColumnType.String)).");
        if (columns.Length == 0) return this;
        var step = LayerStep.One<CategorizeOp, Table, string[][]>("categories", DistinctValues, new CategorizeOp(columns, []));
        var perPartition = Delayed.Compute(LowerPartitions(columns).Select(p => Delayed.FromSpec<string[][]>(step.Call([p]))), new ComputeOptions { Scheduler = scheduler });
        var categories = columns.Select((_, c) => perPartition.SelectMany(p => p[c]).Distinct().OrderBy(s => s, StringComparer.Ordinal).ToArray()).ToArray();
        return With(new CategorizeOp(columns, categories), Schema);
    }

    /// <summary>Makes the categories of the named String columns known (see <see cref="Categorize(string[], IScheduler?)"/>).</summary>
    public Frame Categorize(params string[] columns) => Categorize(columns, null);

    /// <summary>The known categories of <paramref name="column"/> (sorted ordinally), or null when they are not known.</summary>
    public IReadOnlyList<string>? KnownCategories(string column)
    {
        Schema.IndexOf(column);
        return _facts?.CategoriesOf(column);
    }

    // the distinct present values of each column of one partition (through the dictionary when the column has one)
    private static string[][] DistinctValues(CategorizeOp p, Table t) => p.Columns.Select(name =>
    {
        var c = t[name];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        if (c.Codes is { } codes && c.Dictionary is { } dict)
        {
            var used = new bool[dict.Length];
            for (int i = 0; i < c.Length; i++) if (codes[i] >= 0 && c.IsValid(i)) used[codes[i]] = true;
            for (int k = 0; k < dict.Length; k++) if (used[k]) seen.Add(dict[k]);
        }
        else
            for (int i = 0; i < c.Length; i++) if (c.IsValid(i) && c.Strings[i] is { } s) seen.Add(s);
        return seen.ToArray();
    }).ToArray();
}

/// <summary>
/// Codes String columns against known categories (one sorted list per column, the same in every partition): the
/// values stay, <see cref="Column.Codes"/> index into <see cref="Column.Dictionary"/> = the categories. A value not
/// among them (the data changed since <see cref="Frame.Categorize(string[], IScheduler?)"/>) fails naming it.
/// </summary>
internal sealed class CategorizeOp(string[] columns, string[][] categories) : PartitionOp
{
    /// <summary>The categorized columns.</summary>
    public string[] Columns { get; } = columns;

    /// <summary>Per column, its categories in code order.</summary>
    public string[][] Categories { get; } = categories;

    /// <inheritdoc />
    public override Table Apply(Table input)
    {
        var t = input;
        for (int c = 0; c < Columns.Length; c++)
            if (t.Schema.Contains(Columns[c])) // a column no later step needs is not read at all
                t = t.With(Columns[c], Code(t[Columns[c]], Columns[c], Categories[c]));
        return t;
    }

    private static Column Code(Column column, string name, string[] categories)
    {
        var position = new Dictionary<string, int>(categories.Length, StringComparer.Ordinal);
        for (int k = 0; k < categories.Length; k++) position[categories[k]] = k;
        int Find(string s) => position.TryGetValue(s, out var k) ? k
            : throw new InvalidOperationException($"Column '{name}' has the value \"{s}\", which is not among its {categories.Length} known categories (the data changed since Categorize).");
        var codes = new int[column.Length];
        var values = column.Strings;
        if (column.Codes is { } old && column.Dictionary is { } dict)
        {
            var map = new int[dict.Length];
            Array.Fill(map, int.MinValue);
            for (int i = 0; i < codes.Length; i++)
            {
                if (!column.IsValid(i) || old[i] < 0) { codes[i] = -1; continue; }
                if (map[old[i]] == int.MinValue) map[old[i]] = Find(dict[old[i]]);
                codes[i] = map[old[i]];
            }
        }
        else
            for (int i = 0; i < codes.Length; i++) codes[i] = column.IsValid(i) && values[i] is { } s ? Find(s) : -1;
        // the strings point at the categories' instances, so the column holds each distinct string once
        var data = new string?[column.Length];
        for (int i = 0; i < data.Length; i++) data[i] = codes[i] >= 0 ? categories[codes[i]] : null;
        return new Column(ColumnType.String, data, column.Length, column.Validity, codes, categories);
    }

    /// <inheritdoc />
    public override IEnumerable<string> NeededInputs(IReadOnlyCollection<string> needed, Schema input) => needed;

    /// <inheritdoc />
    public override bool RowWise => true;

    /// <inheritdoc />
    public override string ToString() => "categorize(" + string.Join(", ", Columns.Select((c, i) => $"{c}: {Categories[i].Length} categories")) + ")";
}
