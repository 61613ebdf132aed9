using System.Buffers;
using System.Runtime.InteropServices;
using System.Text;
using Apache.Arrow;
using Apache.Arrow.Ipc;
using Apache.Arrow.Types;
using ArrowField = Apache.Arrow.Field;
using ArrowSchema = Apache.Arrow.Schema;

namespace TaskGraph.Frames;

/// <summary>
/// Tables as Apache Arrow record batches and back, and Arrow IPC files (Feather v2). Int32, Int64 and Double columns
/// have Arrow's layout already: <see cref="ToRecordBatch"/> hands Arrow the column's own array (no copy), and
/// <see cref="ToTable(RecordBatch)"/> takes such an array back as is. Other columns convert: Bool packs into bits, Date becomes
/// Date32 (days since 1970-01-01), DateTime becomes Timestamp in microseconds (finer ticks are truncated), String
/// becomes UTF-8 StringArray; missing values become Arrow's validity bitmap.
/// </summary>
public static class ArrowInterop
{
    private const int UnixEpochDayNumber = 719162; // DateOnly(1970, 1, 1).DayNumber

    /// <summary>The table as one Arrow record batch (numeric columns shared, not copied).</summary>
    public static RecordBatch ToRecordBatch(this Table table)
    {
        var fields = table.Schema.Fields.Select(f => new ArrowField(f.Name, ArrowType(f.Type), true));
        var schema = new ArrowSchema(fields, null);
        return new RecordBatch(schema, table.Columns.Select(c => ToArrow(c)), table.RowCount);
    }

    /// <summary>The Arrow schema of a frame schema.</summary>
    public static ArrowSchema ToArrowSchema(Schema schema) => new(schema.Fields.Select(f => new ArrowField(f.Name, ArrowType(f.Type), true)), null);

    /// <summary>The record batch as a table (numeric arrays that came from a table are taken back without copying).</summary>
    public static Table ToTable(this RecordBatch batch) => ToTable(batch, null);

    internal static Table ToTable(RecordBatch batch, IReadOnlyList<string>? columns)
    {
        var names = columns ?? batch.Schema.FieldsList.Select(f => f.Name).ToList();
        var fields = new List<Field>();
        var cols = new Column[names.Count];
        for (int i = 0; i < names.Count; i++)
        {
            var af = batch.Schema.GetFieldByName(names[i]) ?? throw new KeyNotFoundException($"The record batch has no column '{names[i]}'.");
            cols[i] = FromArrow(af.Name, batch.Column(names[i]), batch.Length);
            fields.Add(new Field(af.Name, cols[i].Type));
        }
        return new Table(new Schema(fields), cols, batch.Length);
    }

    /// <summary>The frame column type an Arrow type reads as (throws naming the column when frames have none).</summary>
    public static ColumnType ColumnTypeOf(string name, IArrowType type) => type switch
    {
        Int32Type or Int16Type or Int8Type or UInt16Type or UInt8Type => ColumnType.Int32,
        Int64Type or UInt32Type => ColumnType.Int64,
        DoubleType or FloatType => ColumnType.Double,
        BooleanType => ColumnType.Bool,
        StringType => ColumnType.String,
        DictionaryType { ValueType: StringType } => ColumnType.String,
        Date32Type or Date64Type => ColumnType.Date,
        TimestampType => ColumnType.DateTime,
        _ => throw new NotSupportedException($"Column '{name}' has Arrow type {type.Name}, which frames do not read (integers, floating point, bool, string, date and timestamp are supported)."),
    };

    private static IArrowType ArrowType(ColumnType t) => t switch
    {
        ColumnType.Int32 => Int32Type.Default,
        ColumnType.Int64 => Int64Type.Default,
        ColumnType.Double => DoubleType.Default,
        ColumnType.Bool => BooleanType.Default,
        ColumnType.String => StringType.Default,
        ColumnType.Date => Date32Type.Default,
        _ => new TimestampType(TimeUnit.Microsecond, (string?)null),
    };

    // ---- frame column → Arrow array ----

    private static IArrowArray ToArrow(Column c)
    {
        int n = c.Length;
        var (bitmap, nulls) = Bitmap(c);
        switch (c.Type)
        {
            case ColumnType.Int32: return new Int32Array(Shared(c.Int32s, n), bitmap, n, nulls, 0);
            case ColumnType.Int64: return new Int64Array(Shared(c.Int64s, n), bitmap, n, nulls, 0);
            case ColumnType.Double: return new DoubleArray(Shared(c.Doubles, n), bitmap, n, nulls, 0);
            case ColumnType.Bool:
                var bits = new byte[(n + 7) / 8];
                for (int i = 0; i < n; i++) if (c.Bools[i]) bits[i >> 3] |= (byte)(1 << (i & 7));
                return new BooleanArray(new ArrowBuffer(bits), bitmap, n, nulls, 0);
            case ColumnType.Date:
                var days = new int[n];
                for (int i = 0; i < n; i++) days[i] = c.Int32s[i] - UnixEpochDayNumber;
                return new Date32Array(Shared(days, n), bitmap, n, nulls, 0);
            case ColumnType.DateTime:
                var micros = new long[n];
                for (int i = 0; i < n; i++) micros[i] = (c.Int64s[i] - DateTime.UnixEpoch.Ticks) / TimeSpan.TicksPerMicrosecond;
                return new TimestampArray(new TimestampType(TimeUnit.Microsecond, (string?)null), Shared(micros, n), bitmap, n, nulls, 0);
            default:
                var offsets = new int[n + 1];
                var bytes = new ArrayBufferWriter<byte>();
                for (int i = 0; i < n; i++)
                {
                    if (c.IsValid(i)) Encoding.UTF8.GetBytes(c.Strings[i] ?? "", bytes);
                    offsets[i + 1] = bytes.WrittenCount;
                }
                return new StringArray(n, Shared(offsets, n + 1), new ArrowBuffer(bytes.WrittenMemory), bitmap, nulls, 0);
        }
    }

    private static (ArrowBuffer Bitmap, int Nulls) Bitmap(Column c)
    {
        if (c.Validity is null) return (ArrowBuffer.Empty, 0);
        var bits = new byte[(c.Length + 7) / 8];
        int nulls = 0;
        for (int i = 0; i < c.Length; i++)
            if (c.Validity[i]) bits[i >> 3] |= (byte)(1 << (i & 7));
            else nulls++;
        return nulls == 0 ? (ArrowBuffer.Empty, 0) : (new ArrowBuffer(bits), nulls);
    }

    /// <summary>An Arrow buffer over the first <paramref name="length"/> values of a managed array: the same memory, no copy.</summary>
    private static ArrowBuffer Shared<T>(T[] array, int length) where T : unmanaged => new(new ArrayBytes<T>(array, length).Memory);

    /// <summary>A managed array seen as bytes (pinned only while Arrow pins it), and the way back to the array.</summary>
    private sealed class ArrayBytes<T>(T[] array, int length) : MemoryManager<byte> where T : unmanaged
    {
        public T[] Array { get; } = array;
        public int Count { get; } = length;
        public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(Array.AsSpan(0, Count));
        public override unsafe MemoryHandle Pin(int elementIndex = 0)
        {
            var handle = GCHandle.Alloc(Array, GCHandleType.Pinned);
            return new MemoryHandle((byte*)handle.AddrOfPinnedObject() + elementIndex, handle);
        }
        public override void Unpin() { }
        protected override void Dispose(bool disposing) { }
    }

    // ---- Arrow array → frame column ----

    /// <summary>The values of a primitive array: the original managed array when it came from a table and lines up, else a copy.</summary>
    private static T[] Values<T>(PrimitiveArray<T> a) where T : unmanaged, IEquatable<T>
    {
        if (a.Offset == 0 && MemoryMarshal.TryGetMemoryManager(a.ValueBuffer.Memory, out ArrayBytes<T>? m, out int start, out _) && start == 0 && m!.Count >= a.Length)
            return m.Array;
        return a.Values.ToArray();
    }

    private static bool[]? Validity(IArrowArray a)
    {
        if (a.NullCount == 0) return null;
        var v = new bool[a.Length];
        for (int i = 0; i < v.Length; i++) v[i] = a.IsValid(i);
        return v;
    }

    private static TOut[] Map<TIn, TOut>(PrimitiveArray<TIn> a, Func<TIn, TOut> f) where TIn : struct, IEquatable<TIn>
    {
        var src = a.Values;
        var r = new TOut[a.Length];
        for (int i = 0; i < r.Length; i++) r[i] = f(src[i]);
        return r;
    }

    private static Column FromArrow(string name, IArrowArray a, int n)
    {
        var valid = Validity(a);
        switch (a)
        {
            case Int32Array x: return new Column(ColumnType.Int32, Values(x), n, valid);
            case Int64Array x: return new Column(ColumnType.Int64, Values(x), n, valid);
            case DoubleArray x: return new Column(ColumnType.Double, Values(x), n, valid);
            case Int16Array x: return new Column(ColumnType.Int32, Map(x, static v => (int)v), n, valid);
            case Int8Array x: return new Column(ColumnType.Int32, Map(x, static v => (int)v), n, valid);
            case UInt16Array x: return new Column(ColumnType.Int32, Map(x, static v => (int)v), n, valid);
            case UInt8Array x: return new Column(ColumnType.Int32, Map(x, static v => (int)v), n, valid);
            case UInt32Array x: return new Column(ColumnType.Int64, Map(x, static v => (long)v), n, valid);
            case FloatArray x: return new Column(ColumnType.Double, Map(x, static v => (double)v), n, valid);
            case BooleanArray x:
                var b = new bool[n];
                for (int i = 0; i < n; i++) b[i] = x.GetValue(i) ?? false;
                return new Column(ColumnType.Bool, b, n, valid);
            case Date32Array x: return new Column(ColumnType.Date, Map(x, static d => d + UnixEpochDayNumber), n, valid);
            case Date64Array x: return new Column(ColumnType.Date, Map(x, static ms => (int)Math.Floor(ms / 86_400_000.0) + UnixEpochDayNumber), n, valid);
            case TimestampArray x:
                long perUnit = ((TimestampType)x.Data.DataType).Unit switch
                {
                    TimeUnit.Second => TimeSpan.TicksPerSecond,
                    TimeUnit.Millisecond => TimeSpan.TicksPerMillisecond,
                    TimeUnit.Microsecond => TimeSpan.TicksPerMicrosecond,
                    _ => 0, // nanoseconds: divide instead
                };
                return new Column(ColumnType.DateTime, Map(x, v => DateTime.UnixEpoch.Ticks + (perUnit == 0 ? v / 100 : v * perUnit)), n, valid);
            case StringArray x:
                var s = new string?[n];
                for (int i = 0; i < n; i++) s[i] = valid is null || valid[i] ? x.GetString(i) : null;
                return new Column(ColumnType.String, s, n, valid);
            case DictionaryArray { Dictionary: StringArray dict } x:
                // a dictionary-encoded string column (pandas' categorical) keeps its codes
                var words = new string[dict.Length];
                for (int i = 0; i < words.Length; i++) words[i] = dict.GetString(i) ?? "";
                var codes = new int[n];
                var vals = new string?[n];
                var idx = x.Indices;
                for (int i = 0; i < n; i++)
                {
                    if (valid is not null && !valid[i]) { codes[i] = -1; continue; }
                    int code = idx switch
                    {
                        Int8Array k => k.Values[i], Int16Array k => k.Values[i], Int32Array k => k.Values[i], Int64Array k => checked((int)k.Values[i]),
                        UInt8Array k => k.Values[i], UInt16Array k => k.Values[i], UInt32Array k => checked((int)k.Values[i]),
                        _ => throw new NotSupportedException($"Column '{name}' has dictionary indices of type {idx.Data.DataType.Name}."),
                    };
                    codes[i] = code;
                    vals[i] = words[code];
                }
                return new Column(ColumnType.String, vals, n, valid, codes, words);
            default:
                ColumnTypeOf(name, a.Data.DataType); // throws naming the column and type
                throw new NotSupportedException($"Column '{name}' has Arrow array type {a.GetType().Name}, which frames do not read.");
        }
    }

    // ---- Arrow IPC files (Feather v2) ----

    /// <summary>Writes <paramref name="table"/> to <paramref name="path"/> as an Arrow IPC file (Feather v2), one record batch; returns the number of rows.</summary>
    public static int WriteFile(Table table, string path)
    {
        var dir = Path.GetDirectoryName(path);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None, 1 << 16);
        using var batch = table.ToRecordBatch();
        using var writer = new ArrowFileWriter(stream, batch.Schema);
        writer.WriteRecordBatch(batch);
        writer.WriteEnd();
        return table.RowCount;
    }

    /// <summary>Opens an Arrow IPC file's reader; a bad file fails naming it.</summary>
    internal static ArrowFileReader Open(string file, Stream stream)
    {
        try
        {
            var reader = new ArrowFileReader(stream, leaveOpen: true);
            _ = reader.Schema; // reads the footer now, so a bad file fails here
            return reader;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            throw new IOException($"{file}: not a readable Arrow IPC (Feather v2) file ({e.Message})", e);
        }
    }
}
