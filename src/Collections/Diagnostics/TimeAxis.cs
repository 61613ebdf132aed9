namespace TaskGraph.Diagnostics;

/// <summary>
/// The horizontal axis shared by a report's charts: maps times to x pixels and picks round tick steps
/// (1, 2 or 5 times a power of ten seconds), so the task stream and the resource plot line up.
/// </summary>
internal sealed class TimeAxis
{
    /// <summary>Pixels left of the plot, for row labels and value labels.</summary>
    public const double Left = 170;

    /// <summary>Width of the plot area in pixels.</summary>
    public const double PlotWidth = 760;

    /// <summary>Total chart width in pixels.</summary>
    public const double Width = Left + PlotWidth + 30;

    /// <summary>Creates an axis from <paramref name="start"/> to <paramref name="end"/> (at least 1 ms wide).</summary>
    public TimeAxis(TimeSpan start, TimeSpan end)
    {
        Start = start;
        End = end > start ? end : start + TimeSpan.FromMilliseconds(1);
    }

    /// <summary>Time at the left edge.</summary>
    public TimeSpan Start { get; }

    /// <summary>Time at the right edge.</summary>
    public TimeSpan End { get; }

    /// <summary>The x pixel of <paramref name="t"/>.</summary>
    public double X(TimeSpan t) => Left + (t - Start).TotalSeconds / (End - Start).TotalSeconds * PlotWidth;

    /// <summary>Tick offsets from <see cref="Start"/>: about eight, at a round step.</summary>
    public IEnumerable<TimeSpan> Ticks()
    {
        double span = (End - Start).TotalSeconds, raw = span / 8, magnitude = Math.Pow(10, Math.Floor(Math.Log10(raw)));
        double step = new[] { 1.0, 2, 5, 10 }.Select(m => m * magnitude).First(s => s >= raw);
        for (int i = 0; i * step <= span * 1.0001; i++) yield return TimeSpan.FromSeconds(i * step);
    }

    /// <summary>The axis line, ticks and labels at height <paramref name="y"/>.</summary>
    public void Draw(System.Text.StringBuilder svg, double y)
    {
        svg.Append($"<g class=\"axis\"><line x1=\"{Html.Num(Left)}\" y1=\"{Html.Num(y)}\" x2=\"{Html.Num(Left + PlotWidth)}\" y2=\"{Html.Num(y)}\" stroke=\"#888\"/>");
        foreach (var t in Ticks())
        {
            var x = Html.Num(X(Start + t));
            svg.Append($"<line x1=\"{x}\" y1=\"{Html.Num(y)}\" x2=\"{x}\" y2=\"{Html.Num(y + 4)}\" stroke=\"#888\"/>");
            svg.Append($"<text class=\"tick\" x=\"{x}\" y=\"{Html.Num(y + 16)}\" text-anchor=\"middle\" fill=\"#555\">{Html.Escape(Html.Duration(t))}</text>");
        }
        svg.Append("</g>\n");
    }
}
