namespace TaskGraph;

/// <summary>
/// A byte range of a CSV file: the block owns every line that starts in [<see cref="Start"/>, <see cref="End"/>),
/// so neighbouring blocks meet exactly at line starts without coordinating. (Like Dask, a quoted field holding a
/// newline right at a block boundary would be split; keep such files in one block.)
/// </summary>
public sealed record CsvBlock(string File, long Start, long End, long DataStart)
{
    /// <inheritdoc />
    public override string ToString() => $"{Path.GetFileName(File)}[{Start}..{End})";
}
