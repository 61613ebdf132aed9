namespace TaskGraph.Frames;

public sealed partial class Frame
{
    /// <summary>
    /// A frame over Parquet files (a path or a glob such as <c>data/*.parquet</c>). The schema comes from the files'
    /// footers (no data is read until compute); each row group is a partition, or, with <paramref name="blockSize"/>
    /// above 0, consecutive row groups of a file up to that many compressed bytes are. Only the columns the plan needs
    /// are decoded, and row groups whose statistics rule out a leading filter are skipped. String columns are
    /// dictionary-coded like the CSV reader's; small integers widen to Int32 or Int64, floats and decimals become
    /// Double. All files must have the same columns.
    /// </summary>
    public static Frame ReadParquet(string pathOrGlob, long blockSize = 0)
    {
        if (!pathOrGlob.Contains('*') && !pathOrGlob.Contains('?') && !File.Exists(pathOrGlob))
            throw Directory.Exists(pathOrGlob)
                ? new IOException($"{pathOrGlob} is a directory; to read the Parquet files in it, pass a glob such as {Path.Combine(pathOrGlob, "*.parquet")}.")
                : new FileNotFoundException($"Parquet file not found: {pathOrGlob}", pathOrGlob);
        var (schema, parts) = ParquetFiles.Plan(ExpandGlob(pathOrGlob), blockSize);
        return new Frame(new ParquetScanNode(parts, schema));
    }

    /// <summary>
    /// Writes one Parquet file per partition (Snappy-compressed, row groups of at most <paramref name="rowGroupSize"/>
    /// rows); <c>*</c> in <paramref name="pattern"/> becomes the partition number (zero-padded). Every column is
    /// written as optional (nullable); dates as DATE, date-times as TIMESTAMP in microseconds (finer ticks are
    /// truncated). Returns the file names.
    /// </summary>
    public string[] ToParquet(string pattern, int rowGroupSize = 1 << 20, IScheduler? scheduler = null)
    {
        if (rowGroupSize < 1) throw new ArgumentOutOfRangeException(nameof(rowGroupSize), "At least one row per row group.");
        return WritePartitions(pattern, scheduler, (part, file) => part.Then(t => ParquetTableWriter.WriteFile(t, file, rowGroupSize), "to-parquet"));
    }
}

public sealed partial class Frame
{
    /// <summary>
    /// A frame over Arrow IPC files (Feather v2; a path or a glob): one partition per record batch, the schema from
    /// the first file's footer. Integer, floating-point, bool, string (plain or dictionary-encoded), date and timestamp
    /// columns are read; all files must have the same columns.
    /// </summary>
    public static Frame ReadArrow(string pathOrGlob)
    {
        if (!pathOrGlob.Contains('*') && !pathOrGlob.Contains('?') && !File.Exists(pathOrGlob))
            throw new FileNotFoundException($"Arrow file not found: {pathOrGlob}", pathOrGlob);
        Schema? schema = null;
        var parts = new List<ArrowPart>();
        foreach (var file in ExpandGlob(pathOrGlob))
        {
            using var handle = File.OpenHandle(file);
            var stamp = CsvReader.Stamp(handle);
            using var stream = new FileStream(handle, FileAccess.Read, 1 << 12);
            using var reader = ArrowInterop.Open(file, stream);
            var s = new Schema(reader.Schema.FieldsList.Select(f => new Field(f.Name, ArrowInterop.ColumnTypeOf(f.Name, f.DataType))));
            if (schema is null) schema = s;
            else if (!schema.Equals(s)) throw new IOException($"{file}: its columns {s} differ from the first file's {schema}.");
            int batches = reader.RecordBatchCountAsync().AsTask().GetAwaiter().GetResult();
            if (batches == 0) parts.Add(new ArrowPart(file, -1, stamp.Length, stamp.LastWriteUtcTicks));
            for (int b = 0; b < batches; b++) parts.Add(new ArrowPart(file, b, stamp.Length, stamp.LastWriteUtcTicks));
        }
        return new Frame(new ArrowScanNode(parts.ToArray(), schema!));
    }

    /// <summary>
    /// Writes one Arrow IPC file (Feather v2) per partition, readable by pyarrow/pandas (<c>read_feather</c>), DuckDB
    /// and other Arrow tools; <c>*</c> in <paramref name="pattern"/> becomes the partition number (zero-padded).
    /// Date-times are written as microsecond timestamps. Returns the file names.
    /// </summary>
    public string[] ToArrow(string pattern, IScheduler? scheduler = null)
    {
        return WritePartitions(pattern, scheduler, (part, file) => part.Then(t => ArrowInterop.WriteFile(t, file), "to-arrow"));
    }
}
