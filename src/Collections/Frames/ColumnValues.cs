namespace TaskGraph.Frames;

/// <summary>
/// Typed access to a column's values for user functions in expressions (<see cref="Expr.Map{TIn, TOut}"/>):
/// a reader per CLR type and a builder from an array of results, with no boxing per value. A parameter of a
/// nullable type (<c>double?</c>, <c>string</c>) receives null for a missing value; a result of null is missing.
/// </summary>
internal static class ColumnValues<T>
{
    /// <summary>The CLR type <typeparamref name="T"/> without <see cref="Nullable{T}"/>.</summary>
    private static readonly Type Underlying = Nullable.GetUnderlyingType(typeof(T)) ?? typeof(T);

    /// <summary>True when <typeparamref name="T"/> can hold a missing value (a reference or nullable type).</summary>
    public static readonly bool AcceptsMissing = !typeof(T).IsValueType || Nullable.GetUnderlyingType(typeof(T)) is not null;

    /// <summary>The column type of <typeparamref name="T"/> (throws for a type a column cannot hold).</summary>
    public static ColumnType Type => ColumnTypes.Of(typeof(T));

    /// <summary>Reads value <c>i</c> of a column of <see cref="Type"/> (the default of <typeparamref name="T"/> when missing).</summary>
    public static readonly Func<Column, int, T> Read = MakeReader();

    private static Func<Column, int, T> MakeReader()
    {
        // one typed reader per CLR type; the casts through object are of delegates, once, not of values
        object f;
        if (Underlying == typeof(int)) f = AcceptsMissing ? (Func<Column, int, int?>)((c, i) => c.IsValid(i) ? c.Int32s[i] : null) : (Func<Column, int, int>)((c, i) => c.Int32s[i]);
        else if (Underlying == typeof(long)) f = AcceptsMissing ? (Func<Column, int, long?>)((c, i) => c.IsValid(i) ? c.Int64s[i] : null) : (Func<Column, int, long>)((c, i) => c.Int64s[i]);
        else if (Underlying == typeof(double)) f = AcceptsMissing ? (Func<Column, int, double?>)((c, i) => c.IsValid(i) ? c.Doubles[i] : null) : (Func<Column, int, double>)((c, i) => c.Doubles[i]);
        else if (Underlying == typeof(bool)) f = AcceptsMissing ? (Func<Column, int, bool?>)((c, i) => c.IsValid(i) ? c.Bools[i] : null) : (Func<Column, int, bool>)((c, i) => c.Bools[i]);
        else if (Underlying == typeof(DateOnly)) f = AcceptsMissing ? (Func<Column, int, DateOnly?>)((c, i) => c.IsValid(i) ? DateOnly.FromDayNumber(c.Int32s[i]) : null) : (Func<Column, int, DateOnly>)((c, i) => DateOnly.FromDayNumber(c.Int32s[i]));
        else if (Underlying == typeof(DateTime)) f = AcceptsMissing ? (Func<Column, int, DateTime?>)((c, i) => c.IsValid(i) ? new DateTime(c.Int64s[i]) : null) : (Func<Column, int, DateTime>)((c, i) => new DateTime(c.Int64s[i]));
        else if (Underlying == typeof(string)) f = (Func<Column, int, string?>)((c, i) => c.IsValid(i) ? c.Strings[i] : null);
        else f = (Func<Column, int, T>)((_, _) => throw new NotSupportedException($"Type {typeof(T).Name} cannot be read from a frame column."));
        return (Func<Column, int, T>)f;
    }

    /// <summary>A column of <paramref name="count"/> results; <paramref name="missing"/>[i] (or a null result) marks a missing value.</summary>
    public static Column Build(T[] results, bool[]? missing, int count)
    {
        var type = Type;
        var data = Column.NewStorage(type, count);
        bool[]? valid = null;
        void Missing(int i) { valid ??= Enumerable.Repeat(true, count).ToArray(); valid[i] = false; }
        if (missing is not null) for (int i = 0; i < count; i++) if (missing[i]) Missing(i);
        switch (results)
        {
            case int[] v: Array.Copy(v, data, count); break;
            case long[] v: Array.Copy(v, data, count); break;
            case double[] v: Array.Copy(v, data, count); break;
            case bool[] v: Array.Copy(v, data, count); break;
            case DateOnly[] v: for (int i = 0; i < count; i++) ((int[])data)[i] = v[i].DayNumber; break;
            case DateTime[] v: for (int i = 0; i < count; i++) ((long[])data)[i] = v[i].Ticks; break;
            case string?[] v: for (int i = 0; i < count; i++) { if (v[i] is null) Missing(i); ((string?[])data)[i] = v[i]; } break;
            case int?[] v: for (int i = 0; i < count; i++) { if (v[i] is { } x) ((int[])data)[i] = x; else Missing(i); } break;
            case long?[] v: for (int i = 0; i < count; i++) { if (v[i] is { } x) ((long[])data)[i] = x; else Missing(i); } break;
            case double?[] v: for (int i = 0; i < count; i++) { if (v[i] is { } x) ((double[])data)[i] = x; else Missing(i); } break;
            case bool?[] v: for (int i = 0; i < count; i++) { if (v[i] is { } x) ((bool[])data)[i] = x; else Missing(i); } break;
            case DateOnly?[] v: for (int i = 0; i < count; i++) { if (v[i] is { } x) ((int[])data)[i] = x.DayNumber; else Missing(i); } break;
            case DateTime?[] v: for (int i = 0; i < count; i++) { if (v[i] is { } x) ((long[])data)[i] = x.Ticks; else Missing(i); } break;
        }
        return new Column(type, data, count, valid);
    }
}
