namespace TaskGraph.Display;

/// <summary>Shows a <see cref="Table"/> in a notebook as an HTML table: the first rows, column types and the row count.</summary>
internal sealed class TableFormatterSource : HtmlFormatterSource<Table>
{
    /// <inheritdoc />
    protected override void WriteHtml(Table value, TextWriter writer)
    {
        var columns = value.Schema.Fields.Select(f => new ColumnInfo(f.Name, f.Type.ToString())).ToArray();
        var rows = Enumerable.Range(0, Math.Min(value.RowCount, TableHtml.DefaultRows)).Select(r => (IReadOnlyList<object?>)value.Row(r)).ToArray();
        writer.Write(TableHtml.Render(columns, rows, value.RowCount));
    }
}

/// <summary>Shows a lazy <see cref="Frame"/> without computing it: its schema, partition count and task count.</summary>
internal sealed class FrameFormatterSource : HtmlFormatterSource<Frame>
{
    /// <inheritdoc />
    protected override void WriteHtml(Frame value, TextWriter writer)
    {
        var columns = value.Schema.Fields.Select(f => new ColumnInfo(f.Name, f.Type.ToString())).ToArray();
        writer.Write(LazyFrameHtml.Render(columns, value.NPartitions, value.TaskCounts().Tasks));
    }
}

/// <summary>Shows an <see cref="NdArray"/> like Dask: shape, chunks, type, task count and a block diagram, without computing.</summary>
internal sealed class NdArrayFormatterSource : HtmlFormatterSource<NdArray>
{
    /// <inheritdoc />
    protected override void WriteHtml(NdArray value, TextWriter writer)
    {
        var shape = value.Shape.Select(n => (long)n).ToArray();
        var chunks = value.Chunks.Select(c => (IReadOnlyList<long>)c.Select(n => (long)n).ToArray()).ToArray();
        writer.Write(ArrayHtml.Render(shape, chunks, value.DType.ToString().ToLowerInvariant(), ItemSize(value.DType), value.TaskCount));
    }

    private static int ItemSize(DType t) => t switch
    {
        DType.Bool => 1,
        DType.Int32 or DType.Float32 => 4,
        _ => 8,
    };
}
