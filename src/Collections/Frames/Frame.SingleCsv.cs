namespace TaskGraph.Frames;

public sealed partial class Frame
{
    /// <summary>
    /// Writes the whole frame to one CSV file at <paramref name="path"/> (Dask's <c>to_csv(path, single_file=True)</c>),
    /// with one header line (when <see cref="CsvOptions.Header"/>) and the partitions' rows in order; returns
    /// <c>[path]</c>. With <paramref name="singleFile"/> false this is <see cref="ToCsv(string, CsvOptions?, IScheduler?)"/>
    /// (one file per partition; <paramref name="path"/> a pattern with <c>*</c>).
    /// Partitions are computed and formatted in parallel; a chain of small tasks appends their bytes, each at the
    /// offset the previous one ended at, so a retried write rewrites its own bytes instead of appending twice.
    /// </summary>
    public string[] ToCsv(string path, bool singleFile, CsvOptions? options = null, IScheduler? scheduler = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!singleFile) return ToCsv(path, options, scheduler);
        options ??= new CsvOptions();
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        var parts = LowerPartitions();
        var noHeader = options with { Header = false };
        // (end offset, rows so far) after each write; the first write creates (truncates) the file. The path is
        // made absolute here so that workers with another working directory write the same file.
        path = Path.GetFullPath(path);
        var written = Delayed.Value((Offset: 0L, Rows: 0L), "to-csv-start");
        for (int i = 0; i < parts.Length; i++)
        {
            var opts = i == 0 ? options : noHeader;
            var bytes = Delayed.FromSpec<Table>(parts[i]).Then(t => CsvBytes.Of(t, opts), "to-csv-format");
            bool first = i == 0, last = i == parts.Length - 1;
            written = Delayed.Combine(written, bytes, (at, b) => CsvBytes.WriteAt(path, at, b, first, last), "to-csv-append");
        }
        written.Compute(scheduler);
        return [path];
    }
}

/// <summary>A partition's CSV text as bytes, and the single-file writer's positioned append.</summary>
internal static class CsvBytes
{
    /// <summary>The rows of <paramref name="table"/> as CSV bytes, and their count.</summary>
    public static (byte[] Bytes, int Rows) Of(Table table, CsvOptions options)
    {
        using var ms = new MemoryStream();
        CsvWriter.Write(table, ms, options);
        return (ms.ToArray(), table.RowCount);
    }

    /// <summary>
    /// Writes <paramref name="part"/> at <paramref name="at"/>'s offset (a new file for the first part, the length
    /// cut at the end of the last one, so an older, longer file leaves nothing behind); returns the new end and rows.
    /// </summary>
    public static (long Offset, long Rows) WriteAt(string path, (long Offset, long Rows) at, (byte[] Bytes, int Rows) part, bool first, bool last)
    {
        using var stream = new FileStream(path, first ? FileMode.Create : FileMode.Open, FileAccess.Write, FileShare.None, 1 << 16);
        stream.Position = at.Offset;
        stream.Write(part.Bytes);
        long end = at.Offset + part.Bytes.Length;
        if (last) stream.SetLength(end);
        return (end, at.Rows + part.Rows);
    }
}
