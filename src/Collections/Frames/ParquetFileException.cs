namespace TaskGraph.Frames;

/// <summary>
/// A Parquet file could not be read (bad footer, truncated or corrupt column chunk, unsupported column): the
/// message names the file and, where known, the row group.
/// </summary>
public sealed class ParquetFileException : IOException
{
    /// <summary>Creates the exception.</summary>
    public ParquetFileException(string path, int? rowGroup, string message, Exception? inner = null)
        : base($"{path}{(rowGroup is int g ? $", row group {g}" : "")}: {message}", inner)
    {
        Path = path;
        RowGroup = rowGroup;
    }

    /// <summary>The file.</summary>
    public string Path { get; }

    /// <summary>The row group being read, or null when the failure is in the file's footer or schema.</summary>
    public int? RowGroup { get; }
}
