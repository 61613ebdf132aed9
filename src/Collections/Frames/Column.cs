using System.Globalization;
using System.Runtime.CompilerServices;

namespace TaskGraph.Frames;

/// <summary>
/// One typed column: a plain managed array (<see cref="Data"/>, possibly longer than <see cref="Length"/>) and an
/// optional validity mask (<c>true</c> = present; null means no missing values). Plain arrays on purpose: the
/// process-pool codec ships them as raw memory. Strings may also carry dictionary codes (<see cref="Codes"/> into
/// <see cref="Dictionary"/>), which the CSV reader produces for low-cardinality text such as vendor ids; group-by
/// and joins use the codes instead of hashing strings.
/// </summary>
[TokenizeByFields] // by content: equal tables give equal keys (data beyond the length or under a missing value may split them, never join)
public sealed class Column
{
    /// <summary>The value type.</summary>
    public ColumnType Type { get; }

    /// <summary>Number of values.</summary>
    public int Length { get; }

    /// <summary>The values (see <see cref="ColumnType"/> for the array type of each column type).</summary>
    public Array Data { get; }

    /// <summary>Validity mask (<c>true</c> = present), or null when every value is present.</summary>
    public bool[]? Validity { get; }

    /// <summary>Dictionary codes of a string column (index into <see cref="Dictionary"/>), or null.</summary>
    public int[]? Codes { get; }

    /// <summary>The distinct strings <see cref="Codes"/> point into, or null.</summary>
    public string[]? Dictionary { get; }

    /// <summary>Wraps existing arrays (no copy).</summary>
    public Column(ColumnType type, Array data, int length, bool[]? validity = null, int[]? codes = null, string[]? dictionary = null)
    {
        Type = type;
        Data = data;
        Length = length;
        Validity = validity;
        Codes = codes;
        Dictionary = dictionary;
        if (data.Length < length) throw new ArgumentException($"Column data holds {data.Length} values, fewer than its length {length}.");
        if (validity is not null && validity.Length < length) throw new ArgumentException("Validity mask shorter than the column.");
        if (data.GetType() != StorageType(type)) throw new ArgumentException($"A {type} column stores {StorageType(type).Name}, not {data.GetType().Name}.");
    }

    /// <summary>The array type a column type is stored in.</summary>
    public static Type StorageType(ColumnType type) => type switch
    {
        ColumnType.Int32 or ColumnType.Date => typeof(int[]),
        ColumnType.Int64 or ColumnType.DateTime => typeof(long[]),
        ColumnType.Double => typeof(double[]),
        ColumnType.Bool => typeof(bool[]),
        _ => typeof(string[]),
    };

    /// <summary>A new array able to hold <paramref name="length"/> values of <paramref name="type"/>.</summary>
    public static Array NewStorage(ColumnType type, int length) => type switch
    {
        ColumnType.Int32 or ColumnType.Date => new int[length],
        ColumnType.Int64 or ColumnType.DateTime => new long[length],
        ColumnType.Double => new double[length],
        ColumnType.Bool => new bool[length],
        _ => new string?[length],
    };

    /// <summary>An int32 column.</summary>
    public static Column Of(int[] values, bool[]? validity = null) => new(ColumnType.Int32, values, values.Length, validity);
    /// <summary>An int64 column.</summary>
    public static Column Of(long[] values, bool[]? validity = null) => new(ColumnType.Int64, values, values.Length, validity);
    /// <summary>A double column.</summary>
    public static Column Of(double[] values, bool[]? validity = null) => new(ColumnType.Double, values, values.Length, validity);
    /// <summary>A bool column.</summary>
    public static Column Of(bool[] values, bool[]? validity = null) => new(ColumnType.Bool, values, values.Length, validity);
    /// <summary>A string column; null entries are missing.</summary>
    public static Column Of(string?[] values) => new(ColumnType.String, values, values.Length, MaskOfNulls(values));
    /// <summary>A date column.</summary>
    public static Column Of(DateOnly[] values, bool[]? validity = null) => new(ColumnType.Date, values.Select(d => d.DayNumber).ToArray(), values.Length, validity);
    /// <summary>A date-time column.</summary>
    public static Column Of(DateTime[] values, bool[]? validity = null) => new(ColumnType.DateTime, values.Select(d => d.Ticks).ToArray(), values.Length, validity);

    /// <summary>A column from boxed values (null = missing) of the given type; converts numbers where lossless.</summary>
    public static Column FromValues(ColumnType type, IReadOnlyList<object?> values)
    {
        int n = values.Count;
        var data = NewStorage(type, n);
        bool[]? valid = null;
        for (int i = 0; i < n; i++)
        {
            var v = values[i];
            if (v is null)
            {
                valid ??= Enumerable.Repeat(true, n).ToArray();
                valid[i] = false;
                continue;
            }
            switch (type)
            {
                case ColumnType.Int32: ((int[])data)[i] = Convert.ToInt32(v, CultureInfo.InvariantCulture); break;
                case ColumnType.Int64: ((long[])data)[i] = Convert.ToInt64(v, CultureInfo.InvariantCulture); break;
                case ColumnType.Double: ((double[])data)[i] = Convert.ToDouble(v, CultureInfo.InvariantCulture); break;
                case ColumnType.Bool: ((bool[])data)[i] = (bool)v; break;
                case ColumnType.String: ((string?[])data)[i] = (string)v; break;
                case ColumnType.Date: ((int[])data)[i] = ((DateOnly)v).DayNumber; break;
                case ColumnType.DateTime: ((long[])data)[i] = ((DateTime)v).Ticks; break;
            }
        }
        return new Column(type, data, n, valid);
    }

    /// <summary>A column of <paramref name="length"/> missing values.</summary>
    public static Column Nulls(ColumnType type, int length) => new(type, NewStorage(type, length), length, new bool[length]);

    private static bool[]? MaskOfNulls(string?[] values)
    {
        if (Array.IndexOf(values, null) < 0) return null;
        var m = new bool[values.Length];
        for (int i = 0; i < m.Length; i++) m[i] = values[i] is not null;
        return m;
    }

    /// <summary>True when value <paramref name="i"/> is present.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool IsValid(int i) => Validity is null || Validity[i];

    /// <summary>Number of missing values.</summary>
    public int NullCount
    {
        get
        {
            if (Validity is null) return 0;
            int c = 0;
            for (int i = 0; i < Length; i++) if (!Validity[i]) c++;
            return c;
        }
    }

    /// <summary>The int32 (or date day-number) values.</summary>
    public int[] Int32s => (int[])Data;
    /// <summary>The int64 (or date-time ticks) values.</summary>
    public long[] Int64s => (long[])Data;
    /// <summary>The double values.</summary>
    public double[] Doubles => (double[])Data;
    /// <summary>The bool values.</summary>
    public bool[] Bools => (bool[])Data;
    /// <summary>The string values.</summary>
    public string?[] Strings => (string?[])Data;

    /// <summary>Value <paramref name="i"/> boxed as its CLR type, or null when missing.</summary>
    public object? GetValue(int i)
    {
        if ((uint)i >= (uint)Length) throw new ArgumentOutOfRangeException(nameof(i), $"Row {i} is outside a column of {Length} rows.");
        if (!IsValid(i)) return null;
        return Type switch
        {
            ColumnType.Int32 => Int32s[i],
            ColumnType.Int64 => Int64s[i],
            ColumnType.Double => Doubles[i],
            ColumnType.Bool => Bools[i],
            ColumnType.String => Strings[i],
            ColumnType.Date => DateOnly.FromDayNumber(Int32s[i]),
            _ => new DateTime(Int64s[i]),
        };
    }

    /// <summary>Value <paramref name="i"/> as a double (numeric columns), NaN when missing.</summary>
    public double GetDouble(int i)
    {
        if (!IsValid(i)) return double.NaN;
        return Type switch
        {
            ColumnType.Int32 => Int32s[i],
            ColumnType.Int64 => Int64s[i],
            ColumnType.Double => Doubles[i],
            _ => throw new InvalidOperationException($"A {Type} column is not numeric."),
        };
    }

    /// <summary>Rows <paramref name="start"/> .. start+length-1 (copies).</summary>
    public Column Slice(int start, int length)
    {
        var data = NewStorage(Type, length);
        Array.Copy(Data, start, data, 0, length);
        bool[]? valid = null;
        if (Validity is not null) { valid = new bool[length]; Array.Copy(Validity, start, valid, 0, length); }
        int[]? codes = null;
        if (Codes is not null) { codes = new int[length]; Array.Copy(Codes, start, codes, 0, length); }
        return new Column(Type, data, length, valid, codes, codes is null ? null : Dictionary);
    }

    /// <summary>Gathers rows by index; an index of -1 produces a missing value (unmatched join rows).</summary>
    public Column Take(int[] index, int count)
    {
        bool anyMissing = false;
        for (int i = 0; i < count; i++) if (index[i] < 0) { anyMissing = true; break; }
        bool[]? valid = null;
        if (Validity is not null || anyMissing)
        {
            valid = new bool[count];
            var src = Validity;
            for (int i = 0; i < count; i++) { int j = index[i]; valid[i] = j >= 0 && (src is null || src[j]); }
        }
        Array data = Type switch
        {
            ColumnType.Int32 or ColumnType.Date => Gather(Int32s, index, count),
            ColumnType.Int64 or ColumnType.DateTime => Gather(Int64s, index, count),
            ColumnType.Double => Gather(Doubles, index, count),
            ColumnType.Bool => Gather(Bools, index, count),
            _ => Gather(Strings, index, count),
        };
        int[]? codes = Codes is null ? null : Gather(Codes, index, count);
        return new Column(Type, data, count, valid, codes, codes is null ? null : Dictionary);
    }

    private static T[] Gather<T>(T[] src, int[] index, int count)
    {
        var dst = new T[count];
        for (int i = 0; i < count; i++) { int j = index[i]; if (j >= 0) dst[i] = src[j]; }
        return dst;
    }

    /// <summary>Keeps the rows listed in <paramref name="rows"/>.</summary>
    public Column Filter(int[] rows, int count) => Take(rows, count);

    /// <summary>Concatenates columns of one type (dictionary codes survive when all parts share one dictionary).</summary>
    public static Column Concat(IReadOnlyList<Column> parts)
    {
        if (parts.Count == 0) throw new ArgumentException("Nothing to concatenate.");
        if (parts.Count == 1) return parts[0];
        var type = parts[0].Type;
        int n = 0;
        bool anyNull = false;
        foreach (var p in parts)
        {
            if (p.Type != type) throw new ArgumentException($"Cannot concatenate a {p.Type} column onto a {type} column.");
            n += p.Length;
            anyNull |= p.Validity is not null;
        }
        var data = NewStorage(type, n);
        var valid = anyNull ? new bool[n] : null;
        bool sameDict = parts[0].Dictionary is not null && parts.All(p => ReferenceEquals(p.Dictionary, parts[0].Dictionary));
        var codes = sameDict ? new int[n] : null;
        int at = 0;
        foreach (var p in parts)
        {
            Array.Copy(p.Data, 0, data, at, p.Length);
            if (valid is not null)
            {
                if (p.Validity is null) Array.Fill(valid, true, at, p.Length);
                else Array.Copy(p.Validity, 0, valid, at, p.Length);
            }
            if (codes is not null) Array.Copy(p.Codes!, 0, codes, at, p.Length);
            at += p.Length;
        }
        return new Column(type, data, n, valid, codes, sameDict ? parts[0].Dictionary : null);
    }

    /// <summary>A 64-bit hash of value <paramref name="i"/> (missing values hash alike).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public ulong HashAt(int i)
    {
        if (!IsValid(i)) return StableHash.Gamma;
        return Type switch
        {
            ColumnType.Int32 or ColumnType.Date => StableHash.Mix((ulong)Int32s[i]),
            ColumnType.Int64 or ColumnType.DateTime => StableHash.Mix((ulong)Int64s[i]),
            ColumnType.Double => StableHash.Mix(BitConverter.DoubleToUInt64Bits(Doubles[i] == 0 ? 0.0 : Doubles[i])),
            ColumnType.Bool => Bools[i] ? 3UL : 5UL,
            // The collections' one stable string hash: the same in every process (string.GetHashCode is randomised).
            _ => StableHash.OfString(Strings[i]!),
        };
    }

    /// <summary>True when value <paramref name="i"/> equals value <paramref name="j"/> of <paramref name="other"/> (missing equals missing).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public bool ValueEquals(int i, Column other, int j)
    {
        bool a = IsValid(i), b = other.IsValid(j);
        if (!a || !b) return a == b;
        return Type switch
        {
            ColumnType.Int32 or ColumnType.Date => other.Type is ColumnType.Int64 ? Int32s[i] == other.Int64s[j] : Int32s[i] == other.Int32s[j],
            ColumnType.Int64 or ColumnType.DateTime => other.Type is ColumnType.Int32 ? Int64s[i] == other.Int32s[j] : Int64s[i] == other.Int64s[j],
            ColumnType.Double => Doubles[i].Equals(other.Doubles[j]),
            ColumnType.Bool => Bools[i] == other.Bools[j],
            _ => string.Equals(Strings[i], other.Strings[j], StringComparison.Ordinal),
        };
    }

    /// <summary>Compares value <paramref name="i"/> with value <paramref name="j"/> of the same column (missing sorts last).</summary>
    public int CompareAt(int i, int j) => CompareValues(i, this, j);

    /// <summary>Compares value <paramref name="i"/> with value <paramref name="j"/> of <paramref name="other"/> (missing sorts last).</summary>
    public int CompareValues(int i, Column other, int j)
    {
        bool a = IsValid(i), b = other.IsValid(j);
        if (!a || !b) return a == b ? 0 : a ? -1 : 1;
        return Type switch
        {
            ColumnType.Int32 or ColumnType.Date => Int32s[i].CompareTo(other.Int32s[j]),
            ColumnType.Int64 or ColumnType.DateTime => Int64s[i].CompareTo(other.Int64s[j]),
            ColumnType.Double => Doubles[i].CompareTo(other.Doubles[j]),
            ColumnType.Bool => Bools[i].CompareTo(other.Bools[j]),
            _ => string.CompareOrdinal(Strings[i], other.Strings[j]),
        };
    }

    /// <summary>Value <paramref name="i"/> formatted for previews and CSV (invariant culture; empty when missing).</summary>
    public string Format(int i)
    {
        if (!IsValid(i)) return "";
        return Type switch
        {
            ColumnType.Int32 => Int32s[i].ToString(CultureInfo.InvariantCulture),
            ColumnType.Int64 => Int64s[i].ToString(CultureInfo.InvariantCulture),
            ColumnType.Double => Doubles[i].ToString("R", CultureInfo.InvariantCulture),
            ColumnType.Bool => Bools[i] ? "true" : "false",
            ColumnType.String => Strings[i]!,
            ColumnType.Date => DateOnly.FromDayNumber(Int32s[i]).ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            _ => new DateTime(Int64s[i]).ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture).TrimEnd('.'),
        };
    }
}
