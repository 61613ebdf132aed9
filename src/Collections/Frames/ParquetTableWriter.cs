using Parquet;
using Parquet.Schema;

namespace TaskGraph.Frames;

/// <summary>
/// Writes tables as Parquet files (Parquet.Net): Snappy compression, every column optional, Int32 → INT32, Int64 →
/// INT64, Double → DOUBLE, Bool → BOOLEAN, String → UTF-8 BYTE_ARRAY (dictionary-encoded by the writer where that
/// pays), Date → DATE, DateTime → TIMESTAMP(MICROS, not adjusted to UTC). DuckDB, pandas and pyarrow read them.
/// </summary>
public static class ParquetTableWriter
{
    /// <summary>Writes <paramref name="table"/> to <paramref name="path"/> in row groups of at most <paramref name="rowGroupSize"/> rows; returns the number of rows.</summary>
    public static int WriteFile(Table table, string path, int rowGroupSize = 1 << 20)
    {
        var dir = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.ReadWrite, FileShare.None, 1 << 16);
        Write(table, stream, rowGroupSize);
        return table.RowCount;
    }

    /// <summary>Writes <paramref name="table"/> to a writable, seekable <paramref name="stream"/>.</summary>
    public static void Write(Table table, Stream stream, int rowGroupSize = 1 << 20)
    {
        if (rowGroupSize < 1) throw new ArgumentOutOfRangeException(nameof(rowGroupSize), "At least one row per row group.");
        var fields = table.Schema.Fields.Select(FieldOf).ToArray();
        var writer = ParquetWriter.CreateAsync(new ParquetSchema(fields), stream, new ParquetOptions(), false).GetAwaiter().GetResult();
        try
        {
            // an empty table still gets one (empty) row group, as pyarrow writes it, so every reader sees the columns' types
            for (int start = 0; start < table.RowCount || start == 0; start += rowGroupSize)
            {
                int n = Math.Min(rowGroupSize, table.RowCount - start);
                using var rg = writer.CreateRowGroup();
                for (int c = 0; c < fields.Length; c++) WriteColumn(rg, fields[c], table[c], start, n);
                if (table.RowCount == 0) break;
            }
        }
        finally { writer.DisposeAsync().AsTask().GetAwaiter().GetResult(); }
    }

    private static DataField FieldOf(Field f) => f.Type switch
    {
        ColumnType.Int32 => new DataField<int?>(f.Name),
        ColumnType.Int64 => new DataField<long?>(f.Name),
        ColumnType.Double => new DataField<double?>(f.Name),
        ColumnType.Bool => new DataField<bool?>(f.Name),
        ColumnType.String => new DataField<string>(f.Name, true),
        ColumnType.Date => new DataField<DateOnly?>(f.Name),
        _ => new DateTimeDataField(f.Name, DateTimeFormat.Timestamp, false, DateTimeTimeUnit.Micros, true),
    };

    private static void WriteColumn(ParquetRowGroupWriter rg, DataField field, Column col, int start, int n)
    {
        switch (col.Type)
        {
            case ColumnType.Int32: Write(rg, field, Nullables(col.Int32s, col, start, n, static v => v)); break;
            case ColumnType.Int64: Write(rg, field, Nullables(col.Int64s, col, start, n, static v => v)); break;
            case ColumnType.Double: Write(rg, field, Nullables(col.Doubles, col, start, n, static v => v)); break;
            case ColumnType.Bool: Write(rg, field, Nullables(col.Bools, col, start, n, static v => v)); break;
            case ColumnType.Date: Write(rg, field, Nullables(col.Int32s, col, start, n, DateOnly.FromDayNumber)); break;
            case ColumnType.DateTime: Write(rg, field, Nullables(col.Int64s, col, start, n, static t => new DateTime(t))); break;
            default:
                var s = new string?[n];
                for (int i = 0; i < n; i++) s[i] = col.IsValid(start + i) ? col.Strings[start + i] : null;
                rg.WriteAsync(field, s, null).GetAwaiter().GetResult();
                break;
        }
    }

    private static void Write<T>(ParquetRowGroupWriter rg, DataField field, T?[] values) where T : struct
        => rg.WriteAsync<T>(field, values.AsMemory(), null, null, default).GetAwaiter().GetResult();

    private static TOut?[] Nullables<TIn, TOut>(TIn[] data, Column col, int start, int n, Func<TIn, TOut> f) where TOut : struct
    {
        var r = new TOut?[n];
        for (int i = 0; i < n; i++) if (col.IsValid(start + i)) r[i] = f(data[start + i]);
        return r;
    }
}
