namespace TaskGraph.Display;

/// <summary>Shows a <see cref="ProgressSnapshot"/> as its HTML bar in a notebook.</summary>
internal sealed class ProgressSnapshotFormatterSource : HtmlFormatterSource<ProgressSnapshot>
{
    /// <inheritdoc />
    protected override void WriteHtml(ProgressSnapshot value, TextWriter writer) => writer.Write(value.ToHtml());
}
