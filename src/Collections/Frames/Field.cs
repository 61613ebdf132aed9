namespace TaskGraph.Frames;

/// <summary>A named, typed column of a schema.</summary>
public sealed record Field(string Name, ColumnType Type)
{
    /// <inheritdoc />
    public override string ToString() => $"{Name}: {Type}";
}
