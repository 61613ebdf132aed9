namespace TaskGraph.Frames;

/// <summary>Sorts one partition by key columns (stable; missing values last).</summary>
internal sealed class SortOp(string[] keys, bool[] descending) : PartitionOp
{
    /// <summary>Sort keys.</summary>
    public string[] Keys { get; } = keys;
    /// <summary>Per key: descending order.</summary>
    public bool[] Descending { get; } = descending;

    /// <inheritdoc />
    public override Table Apply(Table input) => input.Take(Sorting.Order(input, Keys, Descending), input.RowCount);

    /// <inheritdoc />
    public override IEnumerable<string> NeededInputs(IReadOnlyCollection<string> needed, Schema input) => needed.Concat(Keys).Distinct();

    /// <inheritdoc />
    public override string ToString() => "sort(" + string.Join(", ", Keys.Select((k, i) => Descending[i] ? k + " desc" : k)) + ")";
}
