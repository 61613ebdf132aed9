namespace TaskGraph.Frames;

/// <summary>Malformed CSV input, naming the file, 1-based line and column where it was found.</summary>
public sealed class CsvFormatException : FormatException
{
    /// <summary>Creates the exception.</summary>
    public CsvFormatException(string file, long line, int column, string? columnName, string problem)
        : base($"{file}: line {line}, column {column}{(columnName is null ? "" : $" ('{columnName}')")}: {problem}")
    {
        File = file;
        Line = line;
        ColumnNumber = column;
        ColumnName = columnName;
        Problem = problem;
    }

    /// <summary>The file (or <c>&lt;memory&gt;</c>).</summary>
    public string File { get; }

    /// <summary>1-based line number.</summary>
    public long Line { get; }

    /// <summary>1-based field number.</summary>
    public int ColumnNumber { get; }

    /// <summary>The column name when known.</summary>
    public string? ColumnName { get; }

    /// <summary>What was wrong.</summary>
    public string Problem { get; }
}
