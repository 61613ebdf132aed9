using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Text;

namespace TaskGraph.Frames;

/// <summary>
/// Appends parsed values of one column into a growing typed array. Strings go through a small per-block
/// dictionary (hash of the UTF-8 bytes → code), so repeated values share one string object and the column gets
/// dictionary codes; past <see cref="CsvOptions.MaxDictionarySize"/> distinct values it falls back to plain strings.
/// </summary>
internal sealed class ColumnBuilder
{
    private readonly ColumnType _type;
    private readonly int _maxDict;
    private int _count;
    private int _capacity;
    private int[] _i32 = [];
    private long[] _i64 = [];
    private double[] _f64 = [];
    private bool[] _b = [];
    private string?[] _s = [];
    private int[]? _codes;
    private bool[]? _valid;

    // String dictionary: open addressing over _slots (code + 1, 0 = empty).
    private int[] _slots = [];
    private readonly List<string> _dict = [];
    private readonly List<byte[]> _dictBytes = [];
    private readonly List<int> _dictHash = [];
    private bool _dictOff;

    public ColumnBuilder(ColumnType type, int capacity, int maxDictionary)
    {
        _type = type;
        _maxDict = maxDictionary;
        Grow(Math.Max(16, capacity));
        if (type == ColumnType.String)
        {
            _codes = new int[_s.Length];
            _slots = new int[64];
        }
    }

    public int Count => _count;

    private void Grow(int min)
    {
        int cap = Math.Max(min, Capacity * 2);
        // Value buffers are not zeroed: every slot below the count is written before it is read, and a block's
        // columns are large enough that clearing them is a pass over memory of its own.
        switch (_type)
        {
            case ColumnType.Int32 or ColumnType.Date: Resize(ref _i32, cap); break;
            case ColumnType.Int64 or ColumnType.DateTime: Resize(ref _i64, cap); break;
            case ColumnType.Double: Resize(ref _f64, cap); break;
            case ColumnType.Bool: Resize(ref _b, cap); break;
            default: Array.Resize(ref _s, cap); if (_codes is not null) Resize(ref _codes, cap); break;
        }
        if (_valid is not null) Resize(ref _valid, cap);
        _capacity = cap;
    }

    private int Capacity => _capacity;

    private void Resize<T>(ref T[] array, int capacity) where T : unmanaged
    {
        var bigger = GC.AllocateUninitializedArray<T>(capacity);
        array.AsSpan(0, Math.Min(_count, array.Length)).CopyTo(bigger);
        array = bigger;
    }

    /// <summary>Appends a field's text; false when it does not parse as the column type.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool Append(ReadOnlySpan<byte> field)
    {
        if (_count == Capacity) Grow(_count + 1);
        if (field.Length == 0) { AppendNull(); return true; }
        int i = _count;
        bool ok;
        switch (_type)
        {
            case ColumnType.Int64: ok = Utf8Parsers.TryParseInt64(field, out _i64[i]); break;
            case ColumnType.Double: ok = Utf8Parsers.TryParseDouble(field, out _f64[i]); break;
            case ColumnType.Int32: ok = Utf8Parsers.TryParseInt32(field, out _i32[i]); break;
            case ColumnType.String: AppendString(field, i); ok = true; break;
            case ColumnType.Bool: ok = Utf8Parsers.TryParseBool(field, out _b[i]); break;
            case ColumnType.Date: ok = Utf8Parsers.TryParseDate(field, out _i32[i]); break;
            default: ok = Utf8Parsers.TryParseDateTime(field, out _i64[i]); break;
        }
        if (!ok) return false;
        if (_valid is not null) _valid[i] = true;
        _count = i + 1;
        return true;
    }

    /// <summary>
    /// Appends a batch of fields, <c>data[starts[r] .. ends[r]]</c> for each row r, with one loop specialised to the
    /// column type (an empty field is missing, as in <see cref="Append"/>). Returns the first row whose text does
    /// not parse, with the rows before it appended, or -1 when all were.
    /// </summary>
    public int AppendFields(ReadOnlySpan<byte> data, ReadOnlySpan<int> starts, ReadOnlySpan<int> ends)
    {
        if (_count + starts.Length > Capacity) Grow(_count + starts.Length);
        return _type switch
        {
            ColumnType.Int64 => AppendParsed<long, Int64Field>(data, starts, ends, _i64),
            ColumnType.Double => AppendParsed<double, DoubleField>(data, starts, ends, _f64),
            ColumnType.Int32 => AppendParsed<int, Int32Field>(data, starts, ends, _i32),
            ColumnType.Bool => AppendParsed<bool, BoolField>(data, starts, ends, _b),
            ColumnType.Date => AppendParsed<int, DateField>(data, starts, ends, _i32),
            ColumnType.DateTime => AppendParsed<long, DateTimeField>(data, starts, ends, _i64),
            _ => AppendStrings(data, starts, ends),
        };
    }

    private int AppendParsed<T, TParser>(ReadOnlySpan<byte> data, ReadOnlySpan<int> starts, ReadOnlySpan<int> ends, T[] values) where TParser : IFieldParser<T>
    {
        // The count lives in a local (a register) through the loop; fields are written back around the rare null.
        int count = _count;
        var valid = _valid;
        for (int r = 0; r < starts.Length; r++)
        {
            int s = starts[r], e = ends[r];
            if (s == e) { _count = count; AppendNull(); count = _count; valid = _valid; continue; }
            if (!TParser.TryParse(data, s, e, out values[count])) { _count = count; return r; }
            if (valid is not null) valid[count] = true;
            count++;
        }
        _count = count;
        return -1;
    }

    private int AppendStrings(ReadOnlySpan<byte> data, ReadOnlySpan<int> starts, ReadOnlySpan<int> ends)
    {
        for (int r = 0; r < starts.Length; r++)
        {
            int s = starts[r], e = ends[r];
            if (s == e) { AppendNull(); continue; }
            int len = e - s;
            // A short field's dictionary key straight from one 8-byte load (the buffer has room past the field).
            if (len <= 7 && s + 8 <= data.Length && !_dictOff)
            {
                ulong bytes = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref MemoryMarshal.GetReference(data), s));
                AppendShort(((ulong)len << 56) | (bytes & ((1UL << (8 * len)) - 1)), data.Slice(s, len), _count);
            }
            else AppendString(data.Slice(s, len), _count);
            if (_valid is not null) _valid[_count] = true;
            _count++;
        }
        return -1;
    }

    /// <summary>A column type's text parser, as a type argument so that each batch loop is compiled for one type.</summary>
    private interface IFieldParser<T>
    {
        /// <summary>Parses <c>data[start..end]</c>; the parser may read past <paramref name="end"/> within <paramref name="data"/>.</summary>
        static abstract bool TryParse(ReadOnlySpan<byte> data, int start, int end, out T value);
    }

    private struct Int64Field : IFieldParser<long> { public static bool TryParse(ReadOnlySpan<byte> d, int s, int e, out long v) => Utf8Parsers.TryParseInt64(d[s..e], out v); }
    private struct Int32Field : IFieldParser<int> { public static bool TryParse(ReadOnlySpan<byte> d, int s, int e, out int v) => Utf8Parsers.TryParseInt32(d[s..e], out v); }
    private struct DoubleField : IFieldParser<double> { public static bool TryParse(ReadOnlySpan<byte> d, int s, int e, out double v) => Utf8Parsers.TryParseDouble(d, s, e, out v); }
    private struct BoolField : IFieldParser<bool> { public static bool TryParse(ReadOnlySpan<byte> d, int s, int e, out bool v) => Utf8Parsers.TryParseBool(d[s..e], out v); }
    private struct DateField : IFieldParser<int> { public static bool TryParse(ReadOnlySpan<byte> d, int s, int e, out int v) => Utf8Parsers.TryParseDate(d[s..e], out v); }
    private struct DateTimeField : IFieldParser<long> { public static bool TryParse(ReadOnlySpan<byte> d, int s, int e, out long v) => Utf8Parsers.TryParseDateTime(d[s..e], out v); }

    // Never inlined: the missing-value path is rare, and inlined into the batch loops it costs them their registers.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public void AppendNull()
    {
        if (_count == Capacity) Grow(_count + 1);
        if (_valid is null)
        {
            _valid = new bool[Capacity];
            Array.Fill(_valid, true, 0, _count);
        }
        _valid[_count] = false;
        if (_type == ColumnType.String) { _s[_count] = null; if (_codes is not null) _codes[_count] = -1; }
        _count++;
    }

    /// <summary>Appends an empty (present) string: a quoted empty field.</summary>
    public void AppendEmptyString()
    {
        if (_count == Capacity) Grow(_count + 1);
        AppendString(ReadOnlySpan<byte>.Empty, _count);
        if (_valid is not null) _valid[_count] = true;
        _count++;
    }

    /// <summary>Drops values appended after the first <paramref name="count"/> (a skipped bad line).</summary>
    public void Truncate(int count) => _count = Math.Min(_count, count);

    // Short strings (up to 8 bytes, e.g. vendor ids) are looked up by their bytes packed into one ulong.
    private int[] _shortSlots = new int[64];
    private readonly List<ulong> _shortKey = [];
    private readonly List<int> _shortCode = [];

    private void AppendString(ReadOnlySpan<byte> field, int i)
    {
        if (_dictOff) { _s[i] = Encoding.UTF8.GetString(field); return; }
        if (field.Length <= 7)
        {
            ulong key = (ulong)field.Length << 56;
            for (int k = 0; k < field.Length; k++) key |= (ulong)field[k] << (8 * k);
            AppendShort(key, field, i);
            return;
        }
        AppendLong(field, i);
    }

    /// <summary>Appends a field of at most 7 bytes whose length and bytes are packed in <paramref name="key"/>.</summary>
    private void AppendShort(ulong key, ReadOnlySpan<byte> field, int i)
    {
        int smask = _shortSlots.Length - 1;
        int sslot = (int)(StableHash.Mix(key) & (ulong)smask);
        while (true)
        {
            int e = _shortSlots[sslot];
            if (e == 0) break;
            if (_shortKey[e - 1] == key)
            {
                int code = _shortCode[e - 1];
                _s[i] = _dict[code];
                _codes![i] = code;
                return;
            }
            sslot = (sslot + 1) & smask;
        }
        int before = _dict.Count;
        AppendLong(field, i);
        if (_dictOff || _dict.Count == before) return;
        _shortKey.Add(key);
        _shortCode.Add(_codes![i]);
        _shortSlots[sslot] = _shortKey.Count;
        if (_shortKey.Count * 2 > _shortSlots.Length)
        {
            _shortSlots = new int[_shortSlots.Length * 2];
            int m = _shortSlots.Length - 1;
            for (int e = 0; e < _shortKey.Count; e++)
            {
                int sl = (int)(StableHash.Mix(_shortKey[e]) & (ulong)m);
                while (_shortSlots[sl] != 0) sl = (sl + 1) & m;
                _shortSlots[sl] = e + 1;
            }
        }
    }

    private void AppendLong(ReadOnlySpan<byte> field, int i)
    {
        int h = 5381;
        foreach (var b in field) h = (h * 33) ^ b;
        int mask = _slots.Length - 1;
        int slot = h & mask;
        while (true)
        {
            int e = _slots[slot];
            if (e == 0) break;
            int code = e - 1;
            if (_dictHash[code] == h && field.SequenceEqual(_dictBytes[code]))
            {
                _s[i] = _dict[code];
                _codes![i] = code;
                return;
            }
            slot = (slot + 1) & mask;
        }
        var s = Encoding.UTF8.GetString(field);
        _s[i] = s;
        if (_dict.Count >= _maxDict) { _dictOff = true; _codes = null; return; }
        int newCode = _dict.Count;
        _dict.Add(s);
        _dictBytes.Add(field.ToArray());
        _dictHash.Add(h);
        _codes![i] = newCode;
        _slots[slot] = newCode + 1;
        if (_dict.Count * 2 > _slots.Length) Rehash();
    }

    private void Rehash()
    {
        _slots = new int[_slots.Length * 2];
        int mask = _slots.Length - 1;
        for (int c = 0; c < _dict.Count; c++)
        {
            int slot = _dictHash[c] & mask;
            while (_slots[slot] != 0) slot = (slot + 1) & mask;
            _slots[slot] = c + 1;
        }
    }

    public Column Build()
    {
        Array data = _type switch
        {
            ColumnType.Int32 or ColumnType.Date => _i32,
            ColumnType.Int64 or ColumnType.DateTime => _i64,
            ColumnType.Double => _f64,
            ColumnType.Bool => _b,
            _ => _s,
        };
        bool[]? valid = _valid;
        if (valid is not null && Array.IndexOf(valid, false, 0, _count) < 0) valid = null;
        bool coded = _type == ColumnType.String && _codes is not null && !_dictOff;
        return new Column(_type, data, _count, valid, coded ? _codes : null, coded ? _dict.ToArray() : null);
    }
}
