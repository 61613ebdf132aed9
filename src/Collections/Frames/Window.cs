namespace TaskGraph.Frames;

/// <summary>
/// A window function of one column over the frame's rows in order (pandas' <c>shift</c>, <c>diff</c>, <c>cumsum</c>,
/// <c>rolling</c>): add it as a column with <see cref="Frame.WithColumn(string, Window)"/>, e.g.
/// <c>trips.WithColumn("fare_ma", Window.Rolling("fare", 10).Mean())</c>. Rows are taken in the frame's order
/// (file order, or the order after <see cref="Frame.SortBy(string, bool)"/>), across partitions: each partition
/// borrows the neighbouring rows it needs, through as many partitions as it takes (short and empty ones included).
/// Missing values and NaN follow pandas: cumulative functions skip them and leave them in place, rolling functions
/// leave them out of the window's count.
/// </summary>
public sealed class Window
{
    private Window(WindowStep step) => Step = step;

    internal WindowStep Step { get; }

    /// <summary>
    /// The value <paramref name="periods"/> rows earlier (pandas' <c>shift(periods)</c>; a negative count looks
    /// ahead); missing where there is no such row. Any column type; the result has the column's type.
    /// </summary>
    public static Window Shift(string column, int periods = 1) => new(new(WindowKind.Shift, column, periods, 0, 0, false, 0));

    /// <summary>
    /// The difference from the value <paramref name="periods"/> rows earlier (pandas' <c>diff(periods)</c>; negative:
    /// from the value that many rows later), as Double; missing where either value is missing or there is no such row.
    /// </summary>
    public static Window Diff(string column, int periods = 1) => new(new(WindowKind.Diff, column, periods, 0, 0, false, 0));

    /// <summary>
    /// The running sum (pandas' <c>cumsum()</c>, <c>skipna=True</c>): a missing value or NaN stays in its row and the
    /// sum goes on past it. Integer columns give Int64 (wrapping on overflow, as NumPy's integers do), Double gives Double.
    /// </summary>
    public static Window CumSum(string column) => Cumulative(WindowKind.CumSum, column);

    /// <summary>The running product (pandas' <c>cumprod()</c>), skipping missing values and NaN like <see cref="CumSum"/>.</summary>
    public static Window CumProd(string column) => Cumulative(WindowKind.CumProd, column);

    /// <summary>The running maximum (pandas' <c>cummax()</c>) of a number, date or date-time column, in its type; skips missing values and NaN like <see cref="CumSum"/>.</summary>
    public static Window CumMax(string column) => Cumulative(WindowKind.CumMax, column);

    /// <summary>The running minimum (pandas' <c>cummin()</c>), built like <see cref="CumMax"/>.</summary>
    public static Window CumMin(string column) => Cumulative(WindowKind.CumMin, column);

    /// <summary>
    /// The running count of present values (neither missing nor NaN) up to and including each row, as Int64 (pandas'
    /// <c>expanding().count()</c>); defined on every row. On a column without missing values it is the 1-based row number.
    /// </summary>
    public static Window CumCount(string column) => Cumulative(WindowKind.CumCount, column);

    private static Window Cumulative(WindowKind kind, string column) => new(new(kind, column, 0, 0, 0, false, 0));

    /// <summary>
    /// A rolling window of <paramref name="window"/> rows over a numeric column (pandas' <c>rolling(window,
    /// min_periods, center)</c>): by default each row's window is that row and the <c>window − 1</c> rows before it;
    /// with <paramref name="center"/> the window is centred on the row (pandas' placement: for an even size, one more
    /// row before than after). A result needs at least <paramref name="minPeriods"/> present values (neither missing
    /// nor NaN) in its window (default: the window size, as in pandas) and is missing otherwise. Follow with
    /// <see cref="RollingWindow.Sum"/>, <see cref="RollingWindow.Mean"/> and the other statistics.
    /// </summary>
    public static RollingWindow Rolling(string column, int window, int? minPeriods = null, bool center = false)
    {
        if (window < 1) throw new ArgumentOutOfRangeException(nameof(window), window, "A rolling window holds at least one row.");
        int min = minPeriods ?? window;
        if (min < 0 || min > window)
            throw new ArgumentOutOfRangeException(nameof(minPeriods), min, $"minPeriods must lie between 0 and the window size {window}.");
        return new RollingWindow(column, window, min, center);
    }

    internal static Window Of(WindowStep step) => new(step);

    /// <inheritdoc />
    public override string ToString() => Step.ToString();
}

/// <summary>A rolling window of a column (<see cref="Window.Rolling"/>); each statistic gives a Double <see cref="Window"/>.</summary>
public sealed class RollingWindow
{
    private readonly string _column;
    private readonly int _size, _minPeriods;
    private readonly bool _center;

    internal RollingWindow(string column, int size, int minPeriods, bool center)
    {
        _column = column;
        _size = size;
        _minPeriods = minPeriods;
        _center = center;
    }

    private Window Of(WindowKind kind, int ddof = 0) => Window.Of(new(kind, _column, 0, _size, _minPeriods, _center, ddof));

    /// <summary>The sum of the window's present values (pandas' <c>rolling(...).sum()</c>).</summary>
    public Window Sum() => Of(WindowKind.RollingSum);

    /// <summary>The mean of the window's present values.</summary>
    public Window Mean() => Of(WindowKind.RollingMean);

    /// <summary>The smallest present value in the window.</summary>
    public Window Min() => Of(WindowKind.RollingMin);

    /// <summary>The largest present value in the window.</summary>
    public Window Max() => Of(WindowKind.RollingMax);

    /// <summary>The number of present values in the window (as Double, like pandas), subject to minPeriods like the others.</summary>
    public Window Count() => Of(WindowKind.RollingCount);

    /// <summary>The variance of the window's present values with <paramref name="ddof"/> delta degrees of freedom (pandas' default 1); missing with at most <paramref name="ddof"/> values.</summary>
    public Window Var(int ddof = 1) => Of(WindowKind.RollingVar, CheckDdof(ddof));

    /// <summary>The standard deviation (square root of <see cref="Var"/>).</summary>
    public Window Std(int ddof = 1) => Of(WindowKind.RollingStd, CheckDdof(ddof));

    private static int CheckDdof(int ddof) => ddof >= 0 ? ddof : throw new ArgumentOutOfRangeException(nameof(ddof), ddof, "ddof must not be negative.");
}

/// <summary>The window functions.</summary>
internal enum WindowKind : byte
{
    Shift, Diff, CumSum, CumProd, CumMax, CumMin, CumCount,
    RollingSum, RollingMean, RollingMin, RollingMax, RollingCount, RollingVar, RollingStd,
}

/// <summary>
/// One window function as plain data (it rides in task parameters and enters keys with every field): the function,
/// the source column, the shift or difference <see cref="Periods"/>, the rolling <see cref="Size"/>,
/// <see cref="MinPeriods"/>, <see cref="Center"/> and <see cref="Ddof"/>.
/// </summary>
internal sealed record WindowStep(WindowKind Kind, string Source, int Periods, int Size, int MinPeriods, bool Center, int Ddof)
{
    public bool IsCumulative => Kind is >= WindowKind.CumSum and <= WindowKind.CumCount;

    public bool IsRolling => Kind >= WindowKind.RollingSum;

    /// <summary>Rows before a row that its value reads (a rolling window's rows before it, a positive shift).</summary>
    public int Before => Kind switch
    {
        WindowKind.Shift or WindowKind.Diff => Math.Max(Periods, 0),
        _ when IsRolling => Size - 1 - CenterOffset,
        _ => 0,
    };

    /// <summary>Rows after a row that its value reads (a centred window's rows after it, a negative shift).</summary>
    public int After => Kind switch
    {
        WindowKind.Shift or WindowKind.Diff => Periods < 0 ? -(long)Periods > int.MaxValue ? int.MaxValue : -Periods : 0,
        _ when IsRolling => CenterOffset,
        _ => 0,
    };

    // pandas' fixed-window bounds: a centred window of size w ends (w − 1) / 2 rows after its row
    private int CenterOffset => Center ? (Size - 1) / 2 : 0;

    /// <summary>The result type over a source column of <paramref name="source"/>, or an error naming the column.</summary>
    public ColumnType ResultType(ColumnType source)
    {
        string Refuse(string what) => $"{Kind} needs {what}; column '{Source}' is {source}.";
        switch (Kind)
        {
            case WindowKind.Shift: return source;
            case WindowKind.CumCount: return ColumnType.Int64;
            case WindowKind.CumSum or WindowKind.CumProd:
                if (!source.IsNumeric()) throw new InvalidOperationException(Refuse("a numeric column"));
                return source == ColumnType.Double ? ColumnType.Double : ColumnType.Int64;
            case WindowKind.CumMax or WindowKind.CumMin:
                if (!(source.IsNumeric() || source is ColumnType.Date or ColumnType.DateTime))
                    throw new InvalidOperationException(Refuse("a number, date or date-time column"));
                return source;
            default:
                if (!source.IsNumeric()) throw new InvalidOperationException(Refuse("a numeric column"));
                return ColumnType.Double;
        }
    }

    /// <inheritdoc />
    public override string ToString() => Kind switch
    {
        WindowKind.Shift or WindowKind.Diff => $"{Kind.ToString().ToLowerInvariant()}({Source}, {Periods})",
        _ when IsCumulative => $"{Kind.ToString().ToLowerInvariant()}({Source})",
        _ => $"rolling({Source}, {Size}, minPeriods: {MinPeriods}{(Center ? ", center" : "")}).{Kind.ToString()[7..].ToLowerInvariant()}()",
    };
}
