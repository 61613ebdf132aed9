using System.Globalization;
using System.Numerics;
using System.Numerics.Tensors;
using System.Text;

namespace TaskGraph.Frames;

/// <summary>Column-at-a-time kernels behind <see cref="Expr"/> evaluation: one tight loop per type and operator.</summary>
internal static class ColumnKernels
{
    public static bool[]? AndMask(Column a, Column b, int n)
    {
        if (a.Validity is null && b.Validity is null) return null;
        var m = new bool[n];
        for (int i = 0; i < n; i++) m[i] = a.IsValid(i) && b.IsValid(i);
        return m;
    }

    public static double[] Doubles(Column c)
    {
        if (c.Type == ColumnType.Double) return c.Doubles;
        var r = new double[c.Length];
        if (c.Type == ColumnType.Int64) for (int i = 0; i < r.Length; i++) r[i] = c.Int64s[i];
        else if (c.Type == ColumnType.Int32) for (int i = 0; i < r.Length; i++) r[i] = c.Int32s[i];
        else if (c.Type == ColumnType.Bool) for (int i = 0; i < r.Length; i++) r[i] = c.Bools[i] ? 1 : 0;
        else throw new InvalidOperationException($"A {c.Type} column is not numeric.");
        return r;
    }

    public static long[] Longs(Column c)
    {
        if (c.Type is ColumnType.Int64 or ColumnType.DateTime) return c.Int64s;
        var r = new long[c.Length];
        if (c.Type is ColumnType.Int32 or ColumnType.Date) for (int i = 0; i < r.Length; i++) r[i] = c.Int32s[i];
        else if (c.Type == ColumnType.Double) for (int i = 0; i < r.Length; i++) r[i] = (long)c.Doubles[i];
        else if (c.Type == ColumnType.Bool) for (int i = 0; i < r.Length; i++) r[i] = c.Bools[i] ? 1 : 0;
        else throw new InvalidOperationException($"A {c.Type} column is not numeric.");
        return r;
    }

    public static Column Binary(BinaryOp op, Expr left, Expr right, Table table)
    {
        int n = table.RowCount;
        var a = left.Evaluate(table);
        if (right is Literal { Value: not null } lit && op is >= BinaryOp.Equal and <= BinaryOp.GreaterOrEqual
            && TryCompareScalar(op, a, lit, n) is { } fast)
            return fast;
        var b = right.Evaluate(table);
        var mask = op == BinaryOp.FillNull ? null : AndMask(a, b, n);
        switch (op)
        {
            case BinaryOp.FillNull: return FillNull(a, b, n);
            case BinaryOp.And or BinaryOp.Or:
            {
                var r = new bool[n];
                var x = a.Bools; var y = b.Bools;
                if (op == BinaryOp.And) for (int i = 0; i < n; i++) r[i] = x[i] & y[i];
                else for (int i = 0; i < n; i++) r[i] = x[i] | y[i];
                return new Column(ColumnType.Bool, r, n, mask);
            }
            case BinaryOp.Add when a.Type == ColumnType.String:
            {
                var r = new string?[n];
                for (int i = 0; i < n; i++) r[i] = a.IsValid(i) && b.IsValid(i) ? a.Strings[i] + b.Strings[i] : null;
                return new Column(ColumnType.String, r, n, mask);
            }
            case BinaryOp.Add or BinaryOp.Subtract or BinaryOp.Multiply or BinaryOp.Divide or BinaryOp.Modulo:
                return Arithmetic(op, a, b, n, mask);
            default:
                return new Column(ColumnType.Bool, Compare(op, a, b, n), n, mask);
        }
    }

    private static Column Arithmetic(BinaryOp op, Column a, Column b, int n, bool[]? mask)
    {
        var t = op == BinaryOp.Divide ? ColumnType.Double : ColumnTypes.Promote(a.Type, b.Type);
        if (t == ColumnType.Double)
        {
            var x = Doubles(a).AsSpan(0, n);
            var y = Doubles(b).AsSpan(0, n);
            var r = new double[n];
            switch (op)
            {
                case BinaryOp.Add: TensorPrimitives.Add(x, y, r); break;
                case BinaryOp.Subtract: TensorPrimitives.Subtract(x, y, r); break;
                case BinaryOp.Multiply: TensorPrimitives.Multiply(x, y, r); break;
                case BinaryOp.Divide: TensorPrimitives.Divide(x, y, r); break;
                default: for (int i = 0; i < n; i++) r[i] = x[i] % y[i]; break;
            }
            return new Column(t, r, n, mask);
        }
        var lx = Longs(a); var ly = Longs(b);
        var lr = new long[n];
        for (int i = 0; i < n; i++)
        {
            lr[i] = op switch
            {
                BinaryOp.Add => lx[i] + ly[i],
                BinaryOp.Subtract => lx[i] - ly[i],
                BinaryOp.Multiply => lx[i] * ly[i],
                _ => ly[i] == 0 ? 0 : lx[i] % ly[i],
            };
            if (op == BinaryOp.Modulo && ly[i] == 0 && mask is null) { mask = new bool[n]; Array.Fill(mask, true); }
            if (op == BinaryOp.Modulo && ly[i] == 0) mask![i] = false;
        }
        if (t == ColumnType.Int64) return new Column(t, lr, n, mask);
        var ir = new int[n];
        for (int i = 0; i < n; i++) ir[i] = (int)lr[i];
        return new Column(t, ir, n, mask);
    }

    private static bool[] Compare(BinaryOp op, Column a, Column b, int n)
    {
        var r = new bool[n];
        if (a.Type == ColumnType.String)
        {
            var x = a.Strings; var y = b.Strings;
            for (int i = 0; i < n; i++) r[i] = Holds(op, string.CompareOrdinal(x[i], y[i]));
            return r;
        }
        if (a.Type == ColumnType.Double || b.Type == ColumnType.Double) { CompareNumbers(op, Doubles(a).AsSpan(0, n), Doubles(b).AsSpan(0, n), r); return r; }
        if (a.Type == ColumnType.Bool) { CompareNumbers(op, Longs(a).AsSpan(0, n), Longs(b).AsSpan(0, n), r); return r; }
        if (a.Type is ColumnType.Int32 or ColumnType.Date && b.Type is ColumnType.Int32 or ColumnType.Date) { CompareNumbers(op, a.Int32s.AsSpan(0, n), b.Int32s.AsSpan(0, n), r); return r; }
        CompareNumbers(op, Longs(a).AsSpan(0, n), Longs(b).AsSpan(0, n), r);
        return r;
    }

    /// <summary>Column-versus-constant comparisons without materialising the constant as a column (the common filter shape).</summary>
    private static Column? TryCompareScalar(BinaryOp op, Column a, Literal lit, int n)
    {
        var r = new bool[n];
        var mask = a.Validity is null ? null : (bool[])a.Validity.Clone();
        if (a.Type == ColumnType.Double && lit.Type.IsNumeric())
        {
            double v = Convert.ToDouble(lit.Value, CultureInfo.InvariantCulture);
            CompareScalar(op, a.Doubles.AsSpan(0, n), v, r);
        }
        else if (a.Type == ColumnType.Int64 && lit.Type is ColumnType.Int64 or ColumnType.Int32)
            CompareScalar(op, a.Int64s.AsSpan(0, n), Convert.ToInt64(lit.Value, CultureInfo.InvariantCulture), r);
        else if (a.Type == ColumnType.Int32 && lit.Type == ColumnType.Int32)
            CompareScalar(op, a.Int32s.AsSpan(0, n), (int)lit.Value!, r);
        else if (a.Type == ColumnType.String && lit.Type == ColumnType.String && a.Codes is { } codes && a.Dictionary is { } dict)
        {
            var s = (string)lit.Value!;
            var d = dict.Select(x => Holds(op, string.CompareOrdinal(x, s))).ToArray();
            for (int i = 0; i < n; i++) r[i] = codes[i] >= 0 && d[codes[i]];
        }
        else return null;
        return new Column(ColumnType.Bool, r, n, mask);
    }

    internal static void CompareScalar<T>(BinaryOp op, ReadOnlySpan<T> x, T y, Span<bool> r) where T : INumber<T>
    {
        switch (op)
        {
            case BinaryOp.Equal: for (int i = 0; i < r.Length; i++) r[i] = x[i] == y; break;
            case BinaryOp.NotEqual: for (int i = 0; i < r.Length; i++) r[i] = x[i] != y; break;
            case BinaryOp.Less: for (int i = 0; i < r.Length; i++) r[i] = x[i] < y; break;
            case BinaryOp.LessOrEqual: for (int i = 0; i < r.Length; i++) r[i] = x[i] <= y; break;
            case BinaryOp.Greater: for (int i = 0; i < r.Length; i++) r[i] = x[i] > y; break;
            default: for (int i = 0; i < r.Length; i++) r[i] = x[i] >= y; break;
        }
    }

    private static bool Holds(BinaryOp op, int cmp) => op switch
    {
        BinaryOp.Equal => cmp == 0,
        BinaryOp.NotEqual => cmp != 0,
        BinaryOp.Less => cmp < 0,
        BinaryOp.LessOrEqual => cmp <= 0,
        BinaryOp.Greater => cmp > 0,
        _ => cmp >= 0,
    };

    private static void CompareNumbers<T>(BinaryOp op, ReadOnlySpan<T> x, ReadOnlySpan<T> y, Span<bool> r) where T : INumber<T>
    {
        switch (op)
        {
            case BinaryOp.Equal: for (int i = 0; i < r.Length; i++) r[i] = x[i] == y[i]; break;
            case BinaryOp.NotEqual: for (int i = 0; i < r.Length; i++) r[i] = x[i] != y[i]; break;
            case BinaryOp.Less: for (int i = 0; i < r.Length; i++) r[i] = x[i] < y[i]; break;
            case BinaryOp.LessOrEqual: for (int i = 0; i < r.Length; i++) r[i] = x[i] <= y[i]; break;
            case BinaryOp.Greater: for (int i = 0; i < r.Length; i++) r[i] = x[i] > y[i]; break;
            default: for (int i = 0; i < r.Length; i++) r[i] = x[i] >= y[i]; break;
        }
    }

    private static Column FillNull(Column a, Column b, int n)
    {
        if (a.Validity is null) return a;
        var t = a.Type == b.Type ? a.Type : ColumnTypes.Promote(a.Type, b.Type);
        if (a.Type != t) a = Cast(a, t);
        if (b.Type != t) b = Cast(b, t);
        var data = Column.NewStorage(t, n);
        Array.Copy(a.Data, data, n);
        bool[]? valid = b.Validity is null ? null : new bool[n];
        for (int i = 0; i < n; i++)
        {
            bool av = a.IsValid(i);
            if (!av) Array.Copy(b.Data, i, data, i, 1);
            if (valid is not null) valid[i] = av || b.IsValid(i);
        }
        return new Column(t, data, n, valid);
    }

    public static Column Unary(UnaryOp op, Column c)
    {
        int n = c.Length;
        switch (op)
        {
            case UnaryOp.IsNull or UnaryOp.IsNotNull:
            {
                var r = new bool[n];
                for (int i = 0; i < n; i++) r[i] = c.IsValid(i) == (op == UnaryOp.IsNotNull);
                return new Column(ColumnType.Bool, r, n);
            }
            case UnaryOp.Not:
            {
                var r = new bool[n];
                for (int i = 0; i < n; i++) r[i] = !c.Bools[i];
                return new Column(ColumnType.Bool, r, n, c.Validity);
            }
            case UnaryOp.Negate:
                return c.Type switch
                {
                    ColumnType.Double => new Column(c.Type, c.Doubles.Take(n).Select(v => -v).ToArray(), n, c.Validity),
                    ColumnType.Int64 => new Column(c.Type, c.Int64s.Take(n).Select(v => -v).ToArray(), n, c.Validity),
                    _ => new Column(c.Type, c.Int32s.Take(n).Select(v => -v).ToArray(), n, c.Validity),
                };
            case UnaryOp.Length:
            {
                var r = new int[n];
                for (int i = 0; i < n; i++) r[i] = c.Strings[i]?.Length ?? 0;
                return new Column(ColumnType.Int32, r, n, c.Validity);
            }
            case UnaryOp.Lower: return MapString(c, s => s.ToLowerInvariant());
            case UnaryOp.Upper: return MapString(c, s => s.ToUpperInvariant());
            default:
            {
                var r = new int[n];
                for (int i = 0; i < n; i++)
                {
                    if (!c.IsValid(i)) continue;
                    var dt = c.Type == ColumnType.Date ? DateOnly.FromDayNumber(c.Int32s[i]).ToDateTime(TimeOnly.MinValue) : new DateTime(c.Int64s[i]);
                    r[i] = op switch
                    {
                        UnaryOp.Year => dt.Year,
                        UnaryOp.Month => dt.Month,
                        UnaryOp.Day => dt.Day,
                        UnaryOp.DayOfWeek => (int)dt.DayOfWeek,
                        _ => dt.Hour,
                    };
                }
                return new Column(ColumnType.Int32, r, n, c.Validity);
            }
        }
    }

    public static Column MapString(Column c, Func<string, string> f)
    {
        int n = c.Length;
        if (c.Dictionary is { } dict && c.Codes is { } codes)
        {
            var mapped = dict.Select(f).ToArray();
            var r2 = new string?[n];
            for (int i = 0; i < n; i++) r2[i] = codes[i] >= 0 ? mapped[codes[i]] : null;
            return new Column(ColumnType.String, r2, n, c.Validity, (int[])codes.Clone(), mapped);
        }
        var r = new string?[n];
        for (int i = 0; i < n; i++) r[i] = c.Strings[i] is { } s ? f(s) : null;
        return new Column(ColumnType.String, r, n, c.Validity);
    }

    public static Column Cast(Column c, ColumnType to)
    {
        int n = c.Length;
        if (c.Type == to) return c;
        if (to == ColumnType.String)
        {
            var r = new string?[n];
            for (int i = 0; i < n; i++) r[i] = c.IsValid(i) ? c.Format(i) : null;
            return new Column(to, r, n, c.Validity);
        }
        if (c.Type == ColumnType.String)
        {
            var data = Column.NewStorage(to, n);
            var valid = new bool[n];
            var parse = new ColumnBuilder(to, n, 0);
            for (int i = 0; i < n; i++)
            {
                var s = c.Strings[i];
                if (s is null || s.Length == 0 || !parse.Append(Encoding.UTF8.GetBytes(s.Trim()))) parse.AppendNull();
            }
            return parse.Build();
        }
        switch (to)
        {
            case ColumnType.Double: return new Column(to, Doubles(c).Take(n).ToArray(), n, c.Validity);
            case ColumnType.Int64 when c.Type == ColumnType.Date: return new Column(to, c.Int32s.Take(n).Select(d => (long)d).ToArray(), n, c.Validity);
            case ColumnType.Int64: return new Column(to, Longs(c).Take(n).ToArray(), n, c.Validity);
            case ColumnType.Int32: return new Column(to, Longs(c).Take(n).Select(v => (int)v).ToArray(), n, c.Validity);
            case ColumnType.Bool: return new Column(to, Doubles(c).Take(n).Select(v => v != 0).ToArray(), n, c.Validity);
            case ColumnType.Date: return new Column(to, c.Int64s.Take(n).Select(t => DateOnly.FromDateTime(new DateTime(t)).DayNumber).ToArray(), n, c.Validity);
            default: return new Column(to, c.Int32s.Take(n).Select(d => DateOnly.FromDayNumber(d).ToDateTime(TimeOnly.MinValue).Ticks).ToArray(), n, c.Validity);
        }
    }

    /// <summary>Row indices where a Bool column is present and true.</summary>
    public static int[] TrueRows(Column predicate, out int count)
    {
        int n = predicate.Length;
        var rows = new int[n];
        var v = predicate.Bools;
        var m = predicate.Validity;
        int k = 0;
        if (m is null) { for (int i = 0; i < n; i++) { rows[k] = i; k += v[i] ? 1 : 0; } }
        else for (int i = 0; i < n; i++) { rows[k] = i; k += v[i] & m[i] ? 1 : 0; }
        count = k;
        return rows;
    }
}
