using System.Globalization;
using System.Text;

namespace TaskGraph.Diagnostics;

/// <summary>
/// Where the time of a computation went, as one self-contained HTML page (no scripts, no external files): a
/// summary, the task stream (one row per worker, a bar per task coloured by function), a table of time per
/// function, and CPU / memory of the processes over the same time axis when resource samples are given.
/// In a notebook it shows itself; elsewhere <see cref="Save"/> it and open it in a browser.
/// </summary>
[TypeFormatterSource(typeof(ProfileReportFormatterSource), PreferredMimeTypes = [HtmlFormatterSource.Html])]
public sealed class ProfileReport
{
    private readonly Dictionary<string, string> _colours = [];

    /// <summary>A report of <paramref name="tasks"/> and <paramref name="samples"/> (either may be empty).</summary>
    public ProfileReport(IReadOnlyList<TaskRecord> tasks, IReadOnlyList<ResourceSample>? samples = null)
    {
        Tasks = tasks ?? throw new ArgumentNullException(nameof(tasks));
        Samples = samples ?? [];
        Workers = [.. tasks.Select(t => t.Worker).Distinct().Order(NaturalOrder.Instance)];
        var busy = tasks.Aggregate(TimeSpan.Zero, (sum, t) => sum + t.Duration);
        Busy = busy;
        Functions = [.. tasks.GroupBy(t => t.Function)
            .Select(g =>
            {
                var total = g.Aggregate(TimeSpan.Zero, (sum, t) => sum + t.Duration);
                return new FunctionTime(g.Key, g.Count(), total, total / g.Count(), g.Max(t => t.Duration), busy > TimeSpan.Zero ? total / busy : 0);
            })
            .OrderByDescending(f => f.Total).ThenBy(f => f.Function, StringComparer.Ordinal)];
        for (int i = 0; i < Functions.Count; i++) _colours[Functions[i].Function] = Palette.Colour(i);
        var times = tasks.SelectMany(t => new[] { t.Start, t.End }).Concat(Samples.Select(s => s.Time)).ToList();
        Axis = times.Count == 0 ? new TimeAxis(TimeSpan.Zero, TimeSpan.Zero) : new TimeAxis(times.Min(), times.Max());
    }

    /// <summary>The tasks shown.</summary>
    public IReadOnlyList<TaskRecord> Tasks { get; }

    /// <summary>The resource samples shown.</summary>
    public IReadOnlyList<ResourceSample> Samples { get; }

    /// <summary>The workers, one task-stream row each, in natural order.</summary>
    public IReadOnlyList<string> Workers { get; }

    /// <summary>Time per function, most expensive first.</summary>
    public IReadOnlyList<FunctionTime> Functions { get; }

    /// <summary>Summed running time of every task.</summary>
    public TimeSpan Busy { get; }

    /// <summary>From the first event (task or sample) to the last.</summary>
    public TimeSpan Wall => Axis.End - Axis.Start;

    internal TimeAxis Axis { get; }

    /// <summary>The colour of <paramref name="function"/> in the charts and table.</summary>
    public string ColourOf(string function) => _colours[function];

    /// <summary>The task stream alone, as SVG.</summary>
    public string TaskStreamSvg() => TaskStreamChart.Render(Tasks, Workers, _colours, Axis);

    /// <summary>The CPU and memory plot alone, as SVG (null without samples).</summary>
    public string? ResourcesSvg() => Samples.Count == 0 ? null : ResourceChart.Render(Samples, Axis);

    /// <summary>The report as an HTML fragment (one <c>&lt;div&gt;</c>, styles inline) for embedding, e.g. in a notebook.</summary>
    public string ToHtmlFragment()
    {
        var sb = new StringBuilder();
        sb.Append("<div class=\"taskgraph-profile\" style=\"font-family: sans-serif; font-size: 13px; color: #222\">\n");
        sb.Append("<h3 style=\"margin: 4px 0\">TaskGraph profile</h3>\n");
        double utilisation = Wall > TimeSpan.Zero && Workers.Count > 0 ? Busy / (Wall * Workers.Count) : 0;
        sb.Append(CultureInfo.InvariantCulture, $"<p class=\"summary\"><b>{Tasks.Count}</b> tasks on <b>{Workers.Count}</b> workers · wall time <b>{Html.Escape(Html.Duration(Wall))}</b> · task time <b>{Html.Escape(Html.Duration(Busy))}</b> · workers busy <b>{utilisation * 100:0}%</b>");
        if (Tasks.Count(t => t.Failed) is var failed and > 0) sb.Append(CultureInfo.InvariantCulture, $" · <b style=\"color: #c81e1e\">{failed} failed</b>");
        sb.Append("</p>\n");
        sb.Append("<h4 style=\"margin: 10px 0 2px\">Task stream</h4>\n");
        sb.Append(Tasks.Count == 0 ? "<p class=\"empty\">No tasks were recorded.</p>\n" : TaskStreamSvg() + "\n");
        if (ResourcesSvg() is { } resources)
            sb.Append("<h4 style=\"margin: 10px 0 2px\">CPU and memory</h4>\n").Append(resources).Append('\n');
        sb.Append("<h4 style=\"margin: 10px 0 2px\">Time per function</h4>\n");
        AppendTable(sb);
        return sb.Append("</div>").ToString();
    }

    /// <summary>The report as a complete HTML page.</summary>
    public string ToHtml()
        => "<!DOCTYPE html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"/><title>TaskGraph profile</title></head>\n<body>\n"
            + ToHtmlFragment() + "\n</body>\n</html>\n";

    /// <summary>Writes <see cref="ToHtml"/> to <paramref name="path"/> and returns the full path.</summary>
    public string Save(string path)
    {
        File.WriteAllText(path, ToHtml(), new UTF8Encoding(false));
        return Path.GetFullPath(path);
    }

    /// <summary>A one-line summary.</summary>
    public override string ToString() => $"ProfileReport({Tasks.Count} tasks on {Workers.Count} workers, wall {Html.Duration(Wall)}, {Samples.Count} resource samples)";

    private void AppendTable(StringBuilder sb)
    {
        const string Cell = "style=\"padding: 2px 10px; border-bottom: 1px solid #eee\"";
        const string Num = "style=\"padding: 2px 10px; border-bottom: 1px solid #eee; text-align: right\"";
        sb.Append("<table class=\"functions\" style=\"border-collapse: collapse\">\n<thead><tr>");
        foreach (var h in new[] { "Function", "Tasks", "Total", "Mean", "Max", "Share" })
            sb.Append($"<th style=\"padding: 2px 10px; border-bottom: 2px solid #ccc; text-align: left\">{h}</th>");
        sb.Append("</tr></thead>\n<tbody>\n");
        foreach (var f in Functions)
        {
            sb.Append($"<tr data-function=\"{Html.Escape(f.Function)}\"><td {Cell}><span style=\"display: inline-block; width: 10px; height: 10px; margin-right: 6px; background: {_colours[f.Function]}\"></span>{Html.Escape(f.Function)}</td>");
            sb.Append(CultureInfo.InvariantCulture, $"<td {Num}>{f.Tasks}</td><td {Num}>{Html.Escape(Html.Duration(f.Total))}</td><td {Num}>{Html.Escape(Html.Duration(f.Mean))}</td><td {Num}>{Html.Escape(Html.Duration(f.Max))}</td><td {Num}>{f.Share * 100:0.0}%</td></tr>\n");
        }
        sb.Append("</tbody>\n</table>\n");
    }
}
