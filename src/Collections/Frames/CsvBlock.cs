namespace TaskGraph.Frames;

/// <summary>
/// A byte range of a CSV file: the block owns every line that starts in [<see cref="Start"/>, <see cref="End"/>),
/// so neighbouring blocks meet exactly at line starts. A line starts after a newline outside quotes, so a block
/// needs to know whether its first byte lies inside a quoted field (<see cref="StartsInQuotes"/>): the scan node
/// works that out at compute from the quote parity of the blocks before it (see <see cref="CsvScanNode"/>).
/// <see cref="FileLength"/> and <see cref="LastWriteUtcTicks"/> are the file's length and last write time when the
/// frame was built (-1: not checked); reading a file that no longer matches them fails (<see cref="FileChangedException"/>).
/// </summary>
public sealed record CsvBlock(string File, long Start, long End, long DataStart, long FileLength = -1, long LastWriteUtcTicks = -1)
{
    /// <summary>Whether byte <see cref="Start"/> lies inside a quoted field (an odd number of quotes in the data before it).</summary>
    public bool StartsInQuotes { get; init; }

    /// <inheritdoc />
    public override string ToString() => $"{Path.GetFileName(File)}[{Start}..{End})";
}
