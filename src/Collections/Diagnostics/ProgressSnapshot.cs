using System.Globalization;
using System.Text;

namespace TaskGraph.Diagnostics;

/// <summary>
/// Progress of one computation at one moment: tasks done of total, elapsed time, rate. Shown as text in a console
/// and as an HTML bar in a notebook.
/// </summary>
[TypeFormatterSource(typeof(ProgressSnapshotFormatterSource), PreferredMimeTypes = [HtmlFormatterSource.Html])]
public sealed record ProgressSnapshot
{
    /// <summary>Tasks finished (nodes of the plan after fusion).</summary>
    public required int Done { get; init; }

    /// <summary>Tasks in the computation.</summary>
    public required int Total { get; init; }

    /// <summary>Time since the computation started.</summary>
    public required TimeSpan Elapsed { get; init; }

    /// <summary>True once the computation has ended (successfully or not).</summary>
    public bool Finished { get; init; }

    /// <summary>The error that ended the computation, if any.</summary>
    public Exception? Error { get; init; }

    /// <summary>Fraction done, 0..1 (1 for an empty computation).</summary>
    public double Fraction => Total == 0 ? 1 : (double)Done / Total;

    /// <summary>Tasks per second so far (0 before the first task).</summary>
    public double Rate => Elapsed.TotalSeconds <= 0 ? 0 : Done / Elapsed.TotalSeconds;

    /// <summary>The state in words: running, done, failed or cancelled.</summary>
    public string Status => !Finished ? "running" : Error switch
    {
        null => "done",
        OperationCanceledException => "cancelled",
        _ => "failed",
    };

    /// <summary>A text bar, e.g. <c>[########------------]  40% | 400/1000 tasks | 1.20 s | 333 tasks/s</c>.</summary>
    public override string ToString()
    {
        const int Width = 30;
        int filled = (int)Math.Round(Fraction * Width);
        var sb = new StringBuilder("[").Append('#', filled).Append('-', Width - filled).Append("] ");
        sb.Append(CultureInfo.InvariantCulture, $"{Fraction * 100,3:0}% | {Done}/{Total} tasks | {Html.Duration(Elapsed)} | {Rate.ToString("0", CultureInfo.InvariantCulture)} tasks/s");
        if (Finished && Error is not null) sb.Append(" | ").Append(Status);
        return sb.ToString();
    }

    /// <summary>An HTML fragment: a <c>&lt;progress&gt;</c> bar and the figures (what a notebook shows).</summary>
    public string ToHtml()
    {
        var pct = (Fraction * 100).ToString("0", CultureInfo.InvariantCulture);
        var colour = Error is null ? "#1a56db" : "#c81e1e";
        return $"<div class=\"taskgraph-progress\" data-status=\"{Status}\" style=\"font-family: sans-serif; font-size: 13px\">"
            + $"<div style=\"display: inline-block; width: 300px; height: 14px; background: #e5e7eb; border-radius: 3px; vertical-align: middle\">"
            + $"<div class=\"bar\" style=\"width: {pct}%; height: 14px; background: {colour}; border-radius: 3px\"></div></div> "
            + $"<span class=\"percent\">{pct}%</span> · <span class=\"done\">{Done}</span>/<span class=\"total\">{Total}</span> tasks · "
            + $"<span class=\"elapsed\">{Html.Escape(Html.Duration(Elapsed))}</span> · <span class=\"rate\">{Rate.ToString("0", CultureInfo.InvariantCulture)}</span> tasks/s"
            + (Finished ? $" · <span class=\"status\">{Status}</span>" : "")
            + "</div>";
    }
}
