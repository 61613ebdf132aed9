namespace TaskGraph.Bags;

/// <summary>
/// One partition of <see cref="Bag.ReadText(string, long, InvalidUtf8Handling)"/>: the byte range <c>[Offset, Offset + Length)</c> of a file. The
/// partition holds the lines that START in the range, so the last line may run past its end and the first
/// partial line belongs to the previous block. Plain data: it travels inside the task as a literal argument.
/// </summary>
public sealed record TextBlock(string Path, long Offset, long Length, InvalidUtf8Handling InvalidUtf8)
{
    /// <inheritdoc />
    public override string ToString() => $"{Path}[{Offset}..{Offset + Length})";
}
