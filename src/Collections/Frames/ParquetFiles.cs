using System.Buffers;
using Parquet;
using Parquet.Schema;

namespace TaskGraph.Frames;

/// <summary>
/// Consecutive row groups [<see cref="FirstRowGroup"/>, +<see cref="RowGroupCount"/>) of one Parquet file: one frame
/// partition. <see cref="FileLength"/> and <see cref="LastWriteUtcTicks"/> are the file's length and last write time
/// when the frame was built; reading a file that no longer matches them fails (<see cref="FileChangedException"/>).
/// </summary>
internal sealed record ParquetPart(string File, int FirstRowGroup, int RowGroupCount, long FileLength, long LastWriteUtcTicks)
{
    /// <inheritdoc />
    public override string ToString() => $"{Path.GetFileName(File)}[row groups {FirstRowGroup}..{FirstRowGroup + RowGroupCount})";
}

/// <summary>
/// Reading Parquet files (Parquet.Net's low-level column API): schemas from footers, partitions from row groups,
/// and a partition's needed columns decoded straight into frame columns.
/// </summary>
internal static class ParquetFiles
{
    private static readonly ParquetOptions Options = new() { UseDateOnlyTypeForDates = true, TreatByteArrayAsString = true };

    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> s_rowGroupsDecoded = new(StringComparer.Ordinal);
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<string, long> s_directChunks = new(StringComparer.Ordinal);

    /// <summary>Column chunks of <paramref name="file"/> decoded by <see cref="ParquetColumnDecoder"/> (not Parquet.Net) so far in this process: for tests.</summary>
    internal static long DirectChunks(string file) => s_directChunks.TryGetValue(Path.GetFullPath(file), out long n) ? n : 0;

    /// <summary>Row groups of <paramref name="file"/> whose columns were read so far in this process (skipped ones are not counted): for tests of row-group skipping.</summary>
    internal static long RowGroupsDecoded(string file) => s_rowGroupsDecoded.TryGetValue(Path.GetFullPath(file), out long n) ? n : 0;

    /// <summary>Runs an async Parquet.Net call to completion on this thread (tasks are synchronous; there is no context to deadlock on).</summary>
    private static T Await<T>(ValueTask<T> task) => task.IsCompletedSuccessfully ? task.Result : task.AsTask().GetAwaiter().GetResult();

    private static void Await(ValueTask task) { if (!task.IsCompletedSuccessfully) task.AsTask().GetAwaiter().GetResult(); }

    private static T Await<T>(Task<T> task) => task.GetAwaiter().GetResult();

    /// <summary>Opens <paramref name="file"/>'s footer; a bad file fails naming it.</summary>
    private static ParquetReader Open(string file, Stream stream)
    {
        try { return Await(ParquetReader.CreateAsync(stream, Options, leaveStreamOpen: true)); }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new ParquetFileException(file, null, $"not a readable Parquet file ({e.Message})", e);
        }
    }

    /// <summary>
    /// The frame schema of each file, and its partitions: one per row group, or consecutive row groups merged while
    /// their compressed size stays within <paramref name="blockSize"/> (0: one partition per row group). Only the
    /// footers are read. All files must have the same columns.
    /// </summary>
    internal static (Schema Schema, ParquetPart[] Parts) Plan(string[] files, long blockSize)
    {
        Schema? schema = null;
        string? schemaFile = null;
        var parts = new List<ParquetPart>();
        foreach (var file in files)
        {
            using var handle = File.OpenHandle(file);
            var stamp = CsvReader.Stamp(handle);
            using var stream = new FileStream(handle, FileAccess.Read, 1 << 12);
            var reader = Open(file, stream);
            try
            {
                var s = SchemaOf(file, reader.Schema);
                if (schema is null) { schema = s; schemaFile = file; }
                else if (!schema.Equals(s)) throw new ParquetFileException(file, null, $"its columns {s} differ from {schemaFile}'s {schema}.");
                int n = reader.RowGroupCount;
                if (n == 0) { parts.Add(new ParquetPart(file, 0, 0, stamp.Length, stamp.LastWriteUtcTicks)); continue; }
                int start = 0;
                long size = 0;
                for (int g = 0; g < n; g++)
                {
                    var meta = reader.RowGroups[g].RowGroup;
                    long gs = meta.TotalCompressedSize ?? meta.TotalByteSize;
                    if (g > start && (blockSize <= 0 || size + gs > blockSize))
                    {
                        parts.Add(new ParquetPart(file, start, g - start, stamp.Length, stamp.LastWriteUtcTicks));
                        start = g;
                        size = 0;
                    }
                    size += gs;
                }
                parts.Add(new ParquetPart(file, start, n - start, stamp.Length, stamp.LastWriteUtcTicks));
            }
            finally { Await(reader.DisposeAsync()); }
        }
        return (schema!, parts.ToArray());
    }

    /// <summary>The frame schema of a Parquet schema (flat columns of supported types only).</summary>
    internal static Schema SchemaOf(string file, ParquetSchema schema)
    {
        var fields = new List<Field>();
        foreach (var f in schema.Fields)
        {
            if (f is not DataField df || df.IsArray)
                throw new ParquetFileException(file, null, $"column '{f.Name}' is a {f.SchemaType} (nested or repeated); frames read flat columns only.");
            fields.Add(new Field(df.Name, TypeOf(file, df)));
        }
        return new Schema(fields);
    }

    private static ColumnType TypeOf(string file, DataField df)
    {
        var t = df.ClrType;
        if (t == typeof(int) || t == typeof(short) || t == typeof(ushort) || t == typeof(sbyte) || t == typeof(byte)) return ColumnType.Int32;
        if (t == typeof(long) || t == typeof(uint)) return ColumnType.Int64;
        if (t == typeof(double) || t == typeof(float) || t == typeof(decimal)) return ColumnType.Double; // decimals become the nearest double
        if (t == typeof(bool)) return ColumnType.Bool;
        if (t == typeof(string) || t == typeof(ReadOnlyMemory<char>)) return ColumnType.String;
        if (t == typeof(DateOnly)) return ColumnType.Date;
        if (t == typeof(DateTime)) return ColumnType.DateTime;
        throw new ParquetFileException(file, null, $"column '{df.Name}' has type {t.Name}, which frames do not read (integer, floating-point, decimal, bool, string, date and timestamp columns are supported).");
    }

    /// <summary>
    /// Reads <paramref name="columns"/> of a part's row groups into one table, skipping the row groups whose
    /// statistics prove <paramref name="predicate"/> false for every row (null: no skipping).
    /// </summary>
    /// <remarks>
    /// With <paramref name="rented"/>, the arrays of columns decoded directly come from the shared pools and are
    /// listed there: the caller, which must be done with the table (a group-by chunk that keeps only its partial),
    /// gives them back.
    /// </remarks>
    internal static Table ReadPart(ParquetPart part, Schema columns, Expr? predicate, int maxDictionary = 4096, List<Array>? rented = null)
        => WithRowGroups(part, columns, predicate, (handle, fields, groups, n) =>
        {
            var cols = new Column[fields.Length];
            for (int c = 0; c < fields.Length; c++)
                cols[c] = TryReadDirect(handle, part.File, fields[c], columns[c].Type, groups, n, maxDictionary, rented)
                    ?? ReadColumn(part.File, fields[c], columns[c].Type, groups, n, maxDictionary);
            if (columns.Count > 0) CountDecoded(part.File, groups.Count);
            return new Table(columns, cols, n);
        });

    /// <summary>Counts row groups whose columns were read (see <see cref="RowGroupsDecoded"/>).</summary>
    internal static void CountDecoded(string file, int rowGroups) => s_rowGroupsDecoded.AddOrUpdate(Path.GetFullPath(file), rowGroups, (_, k) => k + rowGroups);

    /// <summary>Counts column chunks decoded by <see cref="ParquetColumnDecoder"/> (see <see cref="DirectChunks"/>).</summary>
    internal static void CountDirect(string file, int chunks) => s_directChunks.AddOrUpdate(Path.GetFullPath(file), chunks, (_, k) => k + chunks);

    /// <summary>
    /// Opens a part's file (failing if it changed since planning), finds <paramref name="columns"/> in its schema and
    /// the part's row groups that <paramref name="predicate"/> does not rule out, and hands them to
    /// <paramref name="read"/> with their total row count.
    /// </summary>
    internal static T WithRowGroups<T>(ParquetPart part, Schema columns, Expr? predicate,
        Func<Microsoft.Win32.SafeHandles.SafeFileHandle, DataField[], List<(int Index, ParquetRowGroupReader Reader)>, int, T> read)
    {
        using var handle = File.OpenHandle(part.File);
        var now = CsvReader.Stamp(handle);
        if (part.FileLength >= 0 && (now.Length != part.FileLength || now.LastWriteUtcTicks != part.LastWriteUtcTicks))
            throw new FileChangedException(part.File, part.FileLength, part.LastWriteUtcTicks, now.Length, now.LastWriteUtcTicks);
        using var stream = new FileStream(handle, FileAccess.Read, 1 << 16);
        var reader = Open(part.File, stream);
        try
        {
            if (part.FirstRowGroup + part.RowGroupCount > reader.RowGroupCount)
                throw new ParquetFileException(part.File, null, $"has {reader.RowGroupCount} row groups, the frame was planned over {part.FirstRowGroup + part.RowGroupCount}.");
            var fields = columns.Fields.Select(f => reader.Schema.DataFields.FirstOrDefault(d => d.Name == f.Name)
                ?? throw new ParquetFileException(part.File, null, $"has no column '{f.Name}'.")).ToArray();
            var groups = new List<(int Index, ParquetRowGroupReader Reader)>();
            long rows = 0;
            for (int g = part.FirstRowGroup; g < part.FirstRowGroup + part.RowGroupCount; g++)
            {
                var rg = reader.OpenRowGroupReader(g);
                if (predicate is not null && ParquetStatistics.CanSkip(predicate, name => StatsOf(reader, rg, name))) continue;
                groups.Add((g, rg));
                rows += rg.RowCount;
            }
            if (rows > Array.MaxLength) throw new ParquetFileException(part.File, part.FirstRowGroup, $"a partition of {rows} rows is too large; read with a smaller block size.");
            return read(handle, fields, groups, (int)rows);
        }
        finally { Await(reader.DisposeAsync()); }
    }

    private static ColumnStats? StatsOf(ParquetReader reader, ParquetRowGroupReader rg, string name)
    {
        var df = reader.Schema.DataFields.FirstOrDefault(d => d.Name == name);
        if (df is null) return null;
        try
        {
            var s = rg.GetStatistics(df);
            return s is null ? null : new ColumnStats(s.MinValue, s.MaxValue, s.NullCount, rg.RowCount);
        }
        catch (Exception e) when (e is not OperationCanceledException) { return null; } // no usable statistics: read the group
    }

    /// <summary>
    /// The column decoded by <see cref="ParquetColumnDecoder"/> when every chunk is of a kind it handles, else null
    /// (then Parquet.Net reads it). A corrupt chunk fails naming the file and row group.
    /// </summary>
    private static Column? TryReadDirect(Microsoft.Win32.SafeHandles.SafeFileHandle handle, string file, DataField df, ColumnType type, List<(int Index, ParquetRowGroupReader Reader)> groups, int n, int maxDictionary, List<Array>? rented)
    {
        if (type is not (ColumnType.Int32 or ColumnType.Int64 or ColumnType.Double or ColumnType.String)) return null;
        var chunks = new Parquet.Meta.ColumnChunk[groups.Count];
        for (int g = 0; g < chunks.Length; g++)
        {
            var chunk = groups[g].Reader.GetMetadata(df);
            if (chunk is null || !ParquetColumnDecoder.Handles(chunk, type)) return null;
            chunks[g] = chunk;
        }
        // Every slot is written by the decoder (values, or the default under a missing one), so numbers and codes
        // need no zeroing first: at a million rows per row group that pass over memory is a tenth of the decode.
        Array data = type switch
        {
            ColumnType.Int32 => Allocate<int>(n, rented),
            ColumnType.Int64 => Allocate<long>(n, rented),
            ColumnType.Double => Allocate<double>(n, rented),
            _ => new string?[n],
        };
        int[]? codes = type == ColumnType.String ? Allocate<int>(n, rented) : null;
        ParquetColumnDecoder.Sink sink = type switch
        {
            ColumnType.Int32 => new ParquetColumnDecoder.NumberSink<int>((int[])data),
            ColumnType.Int64 => new ParquetColumnDecoder.NumberSink<long>((long[])data),
            ColumnType.Double => new ParquetColumnDecoder.NumberSink<double>((double[])data),
            _ => new ParquetColumnDecoder.StringSink((string?[])data, codes!, maxDictionary),
        };
        bool[]? valid = null;
        int at = 0;
        for (int g = 0; g < chunks.Length; g++)
        {
            int rows = (int)groups[g].Reader.RowCount;
            ArraySegment<byte> bytes = default;
            try
            {
                bytes = ParquetColumnDecoder.ReadChunk(handle, chunks[g]);
                ParquetColumnDecoder.Decode(bytes, chunks[g], df.IsNullable, rows, at, n, sink, ref valid);
            }
            catch (NotSupportedException) { return null; } // an encoding this decoder does not know: Parquet.Net reads the column
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new ParquetFileException(file, groups[g].Index, $"column '{df.Name}' cannot be read ({e.Message})", e);
            }
            finally
            {
                if (bytes.Array is { } chunkBuffer) System.Buffers.ArrayPool<byte>.Shared.Return(chunkBuffer);
            }
            at += rows;
        }
        CountDirect(file, chunks.Length);
        return sink is ParquetColumnDecoder.StringSink { Coded: true } strings
            ? new Column(type, data, n, valid, codes, strings.Words)
            : new Column(type, data, n, valid);
    }

    // An array of at least n values, uninitialized: from the shared pool (listed in rented) or new.
    private static T[] Allocate<T>(int n, List<Array>? rented)
    {
        if (rented is null) return GC.AllocateUninitializedArray<T>(n);
        var a = System.Buffers.ArrayPool<T>.Shared.Rent(Math.Max(n, 1));
        rented.Add(a);
        return a;
    }

    /// <summary>Gives the arrays <see cref="ReadPart"/> rented back to the shared pools.</summary>
    internal static void ReturnRented(List<Array> rented)
    {
        foreach (var a in rented)
            switch (a)
            {
                case int[] i: System.Buffers.ArrayPool<int>.Shared.Return(i); break;
                case long[] l: System.Buffers.ArrayPool<long>.Shared.Return(l); break;
                case double[] d: System.Buffers.ArrayPool<double>.Shared.Return(d); break;
            }
        rented.Clear();
    }

    private static Column ReadColumn(string file, DataField df, ColumnType type, List<(int Index, ParquetRowGroupReader Reader)> groups, int n, int maxDictionary)
    {
        var t = df.ClrType;
        bool[]? valid = null;
        switch (type)
        {
            case ColumnType.String:
                return ReadStrings(file, df, groups, n, maxDictionary);
            case ColumnType.Int32 when t == typeof(int):
                return new Column(type, Read<int>(file, df, groups, n, ref valid), n, valid);
            case ColumnType.Int32:
                return new Column(type, ReadConverted<int>(file, df, groups, n, ref valid), n, valid);
            case ColumnType.Int64 when t == typeof(long):
                return new Column(type, Read<long>(file, df, groups, n, ref valid), n, valid);
            case ColumnType.Int64:
                return new Column(type, Convert(Read<uint>(file, df, groups, n, ref valid), static v => (long)v), n, valid);
            case ColumnType.Double when t == typeof(double):
                return new Column(type, Read<double>(file, df, groups, n, ref valid), n, valid);
            case ColumnType.Double when t == typeof(decimal):
                return new Column(type, Convert(Read<decimal>(file, df, groups, n, ref valid), static v => (double)v), n, valid);
            case ColumnType.Double:
                return new Column(type, Convert(Read<float>(file, df, groups, n, ref valid), static v => (double)v), n, valid);
            case ColumnType.Bool:
                return new Column(type, Read<bool>(file, df, groups, n, ref valid), n, valid);
            case ColumnType.Date:
                return new Column(type, Convert(Read<DateOnly>(file, df, groups, n, ref valid), static v => v.DayNumber), n, valid);
            default:
                return new Column(type, Convert(Read<DateTime>(file, df, groups, n, ref valid), static v => v.Ticks), n, valid);
        }
    }

    private static int[] ReadConverted<T>(string file, DataField df, List<(int, ParquetRowGroupReader)> groups, int n, ref bool[]? valid)
        => df.ClrType == typeof(short) ? Convert(Read<short>(file, df, groups, n, ref valid), static v => (int)v)
         : df.ClrType == typeof(ushort) ? Convert(Read<ushort>(file, df, groups, n, ref valid), static v => (int)v)
         : df.ClrType == typeof(sbyte) ? Convert(Read<sbyte>(file, df, groups, n, ref valid), static v => (int)v)
         : Convert(Read<byte>(file, df, groups, n, ref valid), static v => (int)v);

    private static TOut[] Convert<TIn, TOut>(TIn[] values, Func<TIn, TOut> f)
    {
        var r = new TOut[values.Length];
        for (int i = 0; i < r.Length; i++) r[i] = f(values[i]);
        return r;
    }

    private static T[] Read<T>(string file, DataField df, List<(int, ParquetRowGroupReader)> groups, int n, ref bool[]? valid) where T : struct
    {
        var data = new T[n];
        Read(file, df, groups, data, ref valid);
        return data;
    }

    /// <summary>
    /// Decodes each row group into its slice of the target. Parquet stores only present values, so a nullable
    /// column's values arrive packed at the start of the slice; they are spread to their rows from the back (in
    /// place: a value never moves left) and the validity mask is made only when a group has a missing value.
    /// </summary>
    private static void Read<T>(string file, DataField df, List<(int Index, ParquetRowGroupReader Reader)> groups, T[] target, ref bool[]? valid) where T : struct
    {
        int at = 0;
        int[]? defs = null;
        try
        {
            foreach (var (index, rg) in groups)
            {
                int rows = (int)rg.RowCount;
                try
                {
                    if (!df.IsNullable) Await(rg.ReadRawAsync(df, target.AsMemory(at, rows), null, null));
                    else
                    {
                        if (defs is null || defs.Length < rows) { if (defs is not null) ArrayPool<int>.Shared.Return(defs); defs = ArrayPool<int>.Shared.Rent(Math.Max(rows, 1)); }
                        Await(rg.ReadRawAsync(df, target.AsMemory(at, rows), defs.AsMemory(0, rows), null));
                        int present = 0;
                        for (int i = 0; i < rows; i++) present += defs[i] > 0 ? 1 : 0;
                        if (present < rows)
                        {
                            if (valid is null) { valid = new bool[target.Length]; Array.Fill(valid, true, 0, at); }
                            var span = target.AsSpan(at, rows);
                            int j = present - 1;
                            for (int i = rows - 1; i >= 0; i--)
                            {
                                bool ok = defs[i] > 0;
                                valid[at + i] = ok;
                                span[i] = ok ? span[j--] : default;
                            }
                        }
                        else if (valid is not null) Array.Fill(valid, true, at, rows);
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException and not ParquetFileException)
                {
                    throw new ParquetFileException(file, index, $"column '{df.Name}' cannot be read ({e.Message})", e);
                }
                at += rows;
            }
        }
        finally { if (defs is not null) ArrayPool<int>.Shared.Return(defs); }
    }

    /// <summary>
    /// Strings decode to dictionary-coded columns (like the CSV reader's): each distinct value becomes one string
    /// object and a code, looked up by its characters without allocating; past <paramref name="maxDictionary"/>
    /// distinct values the column falls back to plain strings.
    /// </summary>
    private static Column ReadStrings(string file, DataField df, List<(int Index, ParquetRowGroupReader Reader)> groups, int n, int maxDictionary)
    {
        var values = new string?[n];
        var codes = new int[n];
        bool coded = true;
        bool[]? valid = null;
        var dict = new Dictionary<string, int>(StringComparer.Ordinal);
        var lookup = dict.GetAlternateLookup<ReadOnlySpan<char>>();
        var distinct = new List<string>();
        int at = 0;
        foreach (var (index, rg) in groups)
        {
            int rows = (int)rg.RowCount;
            var buf = ArrayPool<ReadOnlyMemory<char>>.Shared.Rent(Math.Max(rows, 1));
            var defs = df.IsNullable ? ArrayPool<int>.Shared.Rent(Math.Max(rows, 1)) : null;
            try
            {
                Await(rg.ReadRawAsync(df, buf.AsMemory(0, rows), defs?.AsMemory(0, rows), null));
                int j = 0;
                for (int i = 0; i < rows; i++)
                {
                    if (defs is not null && defs[i] == 0)
                    {
                        if (valid is null) { valid = new bool[n]; Array.Fill(valid, true, 0, at + i); }
                        codes[at + i] = -1;
                        continue;
                    }
                    if (valid is not null) valid[at + i] = true;
                    var chars = buf[j++].Span;
                    if (lookup.TryGetValue(chars, out int code)) { values[at + i] = distinct[code]; codes[at + i] = code; continue; }
                    if (coded && distinct.Count < maxDictionary)
                    {
                        var s = chars.ToString();
                        dict.Add(s, distinct.Count);
                        codes[at + i] = distinct.Count;
                        distinct.Add(s);
                        values[at + i] = s;
                    }
                    else { coded = false; values[at + i] = chars.ToString(); }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                throw new ParquetFileException(file, index, $"column '{df.Name}' cannot be read ({e.Message})", e);
            }
            finally
            {
                ArrayPool<ReadOnlyMemory<char>>.Shared.Return(buf, clearArray: true);
                if (defs is not null) ArrayPool<int>.Shared.Return(defs);
            }
            at += rows;
        }
        return coded ? new Column(ColumnType.String, values, n, valid, codes, distinct.ToArray()) : new Column(ColumnType.String, values, n, valid);
    }
}
