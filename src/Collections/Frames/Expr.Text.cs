namespace TaskGraph.Frames;

public abstract partial class Expr
{
    /// <summary>Every occurrence of <paramref name="oldValue"/> replaced by <paramref name="newValue"/> (ordinal; pandas' <c>str.replace(regex=False)</c>).</summary>
    public Expr Replace(string oldValue, string newValue)
    {
        ArgumentException.ThrowIfNullOrEmpty(oldValue);
        ArgumentNullException.ThrowIfNull(newValue);
        return new TextExpr(TextKind.Replace, this, oldValue, newValue, 0);
    }

    /// <summary>
    /// Every match of the regular expression <paramref name="pattern"/> replaced by <paramref name="replacement"/>
    /// (.NET syntax: <c>$1</c> for a group; pandas' <c>str.replace(pat, repl, regex=True)</c>). A bad pattern fails now.
    /// </summary>
    public Expr RegexReplace(string pattern, string replacement)
    {
        TextExpr.Compile(pattern);
        ArgumentNullException.ThrowIfNull(replacement);
        return new TextExpr(TextKind.RegexReplace, this, pattern, replacement, 0);
    }

    /// <summary>
    /// Piece <paramref name="index"/> of the string split at every <paramref name="separator"/> (negative counts from
    /// the end; missing when there is no such piece): pandas' <c>str.split(sep).str[index]</c>.
    /// </summary>
    public Expr Split(string separator, int index)
    {
        ArgumentException.ThrowIfNullOrEmpty(separator);
        return new TextExpr(TextKind.SplitPart, this, separator, null, index);
    }

    /// <summary>True where the regular expression <paramref name="pattern"/> matches anywhere in the string (pandas' <c>str.contains(pat, regex=True)</c>; anchor with <c>^</c> for <c>str.match</c>).</summary>
    public Expr IsMatch(string pattern)
    {
        TextExpr.Compile(pattern);
        return new TextExpr(TextKind.IsMatch, this, pattern, null, 0);
    }

    /// <summary>
    /// Group <paramref name="group"/> of the first match of <paramref name="pattern"/> (pandas' <c>str.extract</c> for one
    /// group); missing when nothing matches or the group did not take part.
    /// </summary>
    public Expr Extract(string pattern, int group = 1)
    {
        var regex = TextExpr.Compile(pattern);
        if (group < 0 || group > regex.GetGroupNumbers().Max())
            throw new ArgumentOutOfRangeException(nameof(group), group, $"The pattern '{pattern}' has groups 0..{regex.GetGroupNumbers().Max()}.");
        return new TextExpr(TextKind.Extract, this, pattern, null, group);
    }

    /// <summary>
    /// A date-time rounded down to a multiple of <paramref name="period"/> counted from the Unix epoch, as pandas'
    /// <c>dt.floor(freq)</c> does (<c>TimeSpan.FromMinutes(15)</c> for <c>"15min"</c>, <c>TimeSpan.FromDays(1)</c> for <c>"D"</c>).
    /// </summary>
    public Expr Floor(TimeSpan period)
    {
        if (period <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(period), period, "The period must be positive.");
        return new DateExpr(DateKind.Floor, this, null, period.Ticks, null);
    }

    /// <summary>
    /// A date or date-time as text in a .NET format string, invariant culture (pandas' <c>dt.strftime</c>:
    /// <c>"yyyy-MM-dd HH:mm"</c> for <c>"%Y-%m-%d %H:%M"</c>).
    /// </summary>
    public Expr Format(string format)
    {
        ArgumentException.ThrowIfNullOrEmpty(format);
        _ = DateTime.UnixEpoch.ToString(format, System.Globalization.CultureInfo.InvariantCulture); // a bad format fails now
        return new DateExpr(DateKind.Format, this, null, 0, format);
    }

    /// <summary>Whole days from <paramref name="start"/> to this date (rounded down, as pandas' <c>(a - b).dt.days</c>); both Date or both DateTime.</summary>
    public Expr DaysSince(Expr start) => new DateExpr(DateKind.DaysSince, this, start ?? throw new ArgumentNullException(nameof(start)), 0, null);

    /// <summary>Seconds from <paramref name="start"/> to this date (pandas' <c>(a - b).dt.total_seconds()</c>); both Date or both DateTime.</summary>
    public Expr SecondsSince(Expr start) => new DateExpr(DateKind.SecondsSince, this, start ?? throw new ArgumentNullException(nameof(start)), 0, null);
}
