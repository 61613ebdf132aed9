namespace TaskGraph.Display;

/// <summary>A column as displays show it: its name and a readable type name.</summary>
/// <param name="Name">The column name.</param>
/// <param name="Type">The element type, e.g. <c>Int64</c>, <c>Double</c>, <c>String</c>.</param>
internal readonly record struct ColumnInfo(string Name, string Type);
