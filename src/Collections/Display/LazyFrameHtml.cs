using System.Globalization;
using System.Text;

namespace TaskGraph.Display;

/// <summary>
/// HTML for a lazy frame, shown without computing anything (like Dask's "DataFrame Structure"): column names
/// across the top, their types below, a row of ellipses standing for the data, then the partition and task counts.
/// </summary>
internal static class LazyFrameHtml
{
    /// <summary>The structure of a frame of <paramref name="columns"/> in <paramref name="partitions"/> partitions whose graph has <paramref name="tasks"/> tasks.</summary>
    public static string Render(IReadOnlyList<ColumnInfo> columns, int partitions, int tasks)
    {
        const string Cell = "padding: 2px 8px; border-bottom: 1px solid #eee";
        var sb = new StringBuilder("<div class=\"taskgraph-frame\" style=\"font-family: sans-serif; font-size: 13px\">");
        sb.Append("<p class=\"title\" style=\"margin: 2px 0 4px\"><b>Frame</b> (lazy: nothing computed)</p>");
        sb.Append("<table class=\"schema\" style=\"border-collapse: collapse\"><thead><tr><th></th>");
        foreach (var c in columns) sb.Append($"<th data-column=\"{Html.Escape(c.Name)}\" style=\"{Cell}; border-bottom: 2px solid #ccc; text-align: left\">{Html.Escape(c.Name)}</th>");
        sb.Append("</tr></thead><tbody><tr class=\"types\"><th style=\"" + Cell + "; color: #777\">type</th>");
        foreach (var c in columns) sb.Append($"<td style=\"{Cell}\">{Html.Escape(c.Type)}</td>");
        sb.Append("</tr><tr class=\"data\"><th style=\"" + Cell + "; color: #777\">…</th>");
        foreach (var _ in columns) sb.Append($"<td style=\"{Cell}; color: #999\">…</td>");
        sb.Append("</tr></tbody></table>");
        sb.Append(CultureInfo.InvariantCulture, $"<p class=\"counts\" style=\"color: #555; margin: 4px 0\"><span class=\"columns\">{columns.Count}</span> columns · <span class=\"partitions\">{partitions:N0}</span> partitions · <span class=\"tasks\">{tasks:N0}</span> tasks</p></div>");
        return sb.ToString();
    }
}
