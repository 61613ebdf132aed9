using System.Globalization;
using System.Text;

namespace TaskGraph.Display;

/// <summary>
/// HTML for tabular results (a computed <c>Table</c>, a frame preview): the first rows under a header of column
/// names and types, then the row and column counts. Well-formed XML, so tests parse it.
/// </summary>
internal static class TableHtml
{
    /// <summary>Rows shown by default.</summary>
    public const int DefaultRows = 10;

    /// <summary>
    /// The preview of a table of <paramref name="rowCount"/> rows: <paramref name="columns"/> and the first rows
    /// (<paramref name="firstRows"/>, one value per column each).
    /// </summary>
    public static string Render(IReadOnlyList<ColumnInfo> columns, IReadOnlyList<IReadOnlyList<object?>> firstRows, long rowCount)
    {
        var sb = new StringBuilder("<div class=\"taskgraph-table\" style=\"font-family: sans-serif; font-size: 13px\">");
        sb.Append("<table class=\"table-preview\" style=\"border-collapse: collapse\"><thead><tr><th class=\"index\"></th>");
        foreach (var c in columns)
            sb.Append($"<th data-column=\"{Html.Escape(c.Name)}\" style=\"{HeadStyle}\">{Html.Escape(c.Name)}<br/><span class=\"dtype\" style=\"font-weight: normal; color: #777; font-size: 11px\">{Html.Escape(c.Type)}</span></th>");
        sb.Append("</tr></thead><tbody>");
        for (int r = 0; r < firstRows.Count; r++)
        {
            var row = firstRows[r];
            if (row.Count != columns.Count)
                throw new ArgumentException($"Row {r} has {row.Count} values but the table has {columns.Count} columns.", nameof(firstRows));
            sb.Append(CultureInfo.InvariantCulture, $"<tr><th class=\"index\" style=\"{CellStyle}; color: #777\">{r}</th>");
            foreach (var v in row) sb.Append($"<td style=\"{CellStyle}; text-align: {(IsNumber(v) ? "right" : "left")}\">{Cell(v)}</td>");
            sb.Append("</tr>");
        }
        if (rowCount > firstRows.Count)
            sb.Append(CultureInfo.InvariantCulture, $"<tr class=\"more\"><td colspan=\"{columns.Count + 1}\" style=\"{CellStyle}; color: #777\">… {rowCount - firstRows.Count:N0} more rows</td></tr>");
        sb.Append("</tbody></table>");
        sb.Append(CultureInfo.InvariantCulture, $"<p class=\"shape\" style=\"color: #555; margin: 4px 0\"><span class=\"rows\">{rowCount:N0}</span> rows × <span class=\"columns\">{columns.Count}</span> columns</p></div>");
        return sb.ToString();
    }

    private const string HeadStyle = "padding: 2px 8px; border-bottom: 2px solid #ccc; text-align: left";
    private const string CellStyle = "padding: 2px 8px; border-bottom: 1px solid #eee";

    private static bool IsNumber(object? v) => v is sbyte or byte or short or ushort or int or uint or long or ulong or float or double or decimal;

    /// <summary>A value as cell text: invariant numbers, ISO dates, an italic <c>null</c>.</summary>
    private static string Cell(object? v) => v switch
    {
        null => "<i style=\"color: #999\">null</i>",
        double d => Html.Escape(d.ToString("G6", CultureInfo.InvariantCulture)),
        float f => Html.Escape(f.ToString("G6", CultureInfo.InvariantCulture)),
        DateTime t => Html.Escape(t.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)),
        IFormattable f => Html.Escape(f.ToString(null, CultureInfo.InvariantCulture)),
        _ => Html.Escape(v.ToString()),
    };
}
