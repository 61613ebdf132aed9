using System.Globalization;

namespace TaskGraph.Frames;

/// <summary>The date and date-time functions of <see cref="DateExpr"/> (pandas' <c>.dt</c> accessor).</summary>
internal enum DateKind
{
    /// <summary>Rounded down to a multiple of a period from the Unix epoch (<c>dt.floor</c>).</summary>
    Floor,
    /// <summary>Formatted as text (<c>dt.strftime</c>, with a .NET format string).</summary>
    Format,
    /// <summary>Whole days since another date (<c>(a - b).dt.days</c>).</summary>
    DaysSince,
    /// <summary>Seconds since another date (<c>(a - b).dt.total_seconds()</c>).</summary>
    SecondsSince,
}

/// <summary>A date or date-time function (<see cref="DateKind"/>); missing inputs give missing results.</summary>
internal sealed class DateExpr(DateKind kind, Expr inner, Expr? start, long periodTicks, string? format) : Expr
{
    /// <summary>Which function.</summary>
    public DateKind Kind { get; } = kind;
    /// <summary>The date expression.</summary>
    public Expr Inner { get; } = inner;
    /// <summary>The earlier date of a difference.</summary>
    public Expr? Start { get; } = start;
    /// <summary>The period of Floor, in ticks.</summary>
    public long PeriodTicks { get; } = periodTicks;
    /// <summary>The .NET format string of Format.</summary>
    public string? FormatString { get; } = format;

    private static readonly long EpochTicks = DateTime.UnixEpoch.Ticks;

    /// <inheritdoc />
    public override ColumnType TypeIn(Schema schema)
    {
        var t = Inner.TypeIn(schema);
        if (t is not (ColumnType.Date or ColumnType.DateTime)) throw new InvalidOperationException($"{Kind} needs a Date or DateTime; {Inner} is {t}.");
        switch (Kind)
        {
            case DateKind.Floor:
                return t == ColumnType.DateTime ? t : throw new InvalidOperationException($"Floor needs a DateTime; {Inner} is a Date (Cast it to DateTime first).");
            case DateKind.Format:
                return ColumnType.String;
            default:
                var s = Start!.TypeIn(schema);
                if (s != t) throw new InvalidOperationException($"{Kind} needs two dates of one type; {Inner} is {t}, {Start} is {s}.");
                return Kind == DateKind.DaysSince ? ColumnType.Int64 : ColumnType.Double;
        }
    }

    /// <inheritdoc />
    public override Column Evaluate(Table table)
    {
        var c = Inner.Evaluate(table);
        int n = c.Length;
        bool isDate = c.Type == ColumnType.Date;
        long Ticks(Column col, int i) => isDate ? (long)col.Int32s[i] * TimeSpan.TicksPerDay : col.Int64s[i];
        switch (Kind)
        {
            case DateKind.Floor:
            {
                var r = new long[n];
                var v = c.Int64s;
                for (int i = 0; i < n; i++)
                {
                    long since = v[i] - EpochTicks;
                    r[i] = v[i] - (since % PeriodTicks + PeriodTicks) % PeriodTicks; // floor, also before the epoch
                }
                return new Column(ColumnType.DateTime, r, n, c.Validity is null ? null : (bool[])c.Validity.Clone());
            }
            case DateKind.Format:
            {
                var r = new string?[n];
                for (int i = 0; i < n; i++)
                    if (c.IsValid(i)) r[i] = isDate ? DateOnly.FromDayNumber(c.Int32s[i]).ToString(FormatString, CultureInfo.InvariantCulture) : new DateTime(c.Int64s[i]).ToString(FormatString, CultureInfo.InvariantCulture);
                return new Column(ColumnType.String, r, n, c.Validity is null ? null : (bool[])c.Validity.Clone());
            }
            default:
            {
                var s = Start!.Evaluate(table);
                var valid = ColumnKernels.AndMask(c, s, n);
                if (Kind == DateKind.DaysSince)
                {
                    var r = new long[n];
                    for (int i = 0; i < n; i++)
                    {
                        // floor division, as pandas' Timedelta.days (-1 hour is day -1)
                        long diff = Ticks(c, i) - Ticks(s, i), days = diff / TimeSpan.TicksPerDay;
                        r[i] = diff % TimeSpan.TicksPerDay < 0 ? days - 1 : days;
                    }
                    return new Column(ColumnType.Int64, r, n, valid);
                }
                var d = new double[n];
                for (int i = 0; i < n; i++) d[i] = (Ticks(c, i) - Ticks(s, i)) / (double)TimeSpan.TicksPerSecond;
                return new Column(ColumnType.Double, d, n, valid);
            }
        }
    }

    /// <inheritdoc />
    public override void CollectColumns(ISet<string> into) { Inner.CollectColumns(into); Start?.CollectColumns(into); }

    /// <inheritdoc />
    public override string DefaultName => Inner.DefaultName;

    /// <inheritdoc />
    public override string ToString() => $"{Kind}({Inner}, {Start?.ToString() ?? "-"}, {PeriodTicks}, {Quote(FormatString)})";
}
