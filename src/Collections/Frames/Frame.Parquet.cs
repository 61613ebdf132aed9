namespace TaskGraph;

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
        if (!pattern.Contains('*')) throw new ArgumentException($"The output pattern '{pattern}' needs a '*' for the partition number.");
        if (rowGroupSize < 1) throw new ArgumentOutOfRangeException(nameof(rowGroupSize), "At least one row per row group.");
        var parts = LowerPartitions();
        int width = Math.Max(1, (parts.Length - 1).ToString().Length);
        var names = parts.Select((_, i) => pattern.Replace("*", i.ToString().PadLeft(width, '0'))).ToArray();
        var writes = parts.Select((p, i) => Delayed.FromSpec<Table>(p).Then(t => ParquetTableWriter.WriteFile(t, names[i], rowGroupSize), "to-parquet")).ToList();
        Delayed.Compute(writes, new ComputeOptions { Scheduler = scheduler });
        return names;
    }
}
