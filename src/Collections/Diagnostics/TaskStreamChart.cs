using System.Text;

namespace TaskGraph.Diagnostics;

/// <summary>
/// The task stream, as Dask draws it: one row per worker, one bar per task from its start to its end, coloured by
/// function; hovering a bar shows its key, function and duration. Failed tasks get a red outline.
/// </summary>
internal static class TaskStreamChart
{
    private const double RowHeight = 26, BarHeight = 20, Top = 8;

    /// <summary>The SVG of <paramref name="tasks"/> on <paramref name="workers"/> (row order), over <paramref name="axis"/>.</summary>
    public static string Render(IReadOnlyList<TaskRecord> tasks, IReadOnlyList<string> workers, IReadOnlyDictionary<string, string> colours, TimeAxis axis)
    {
        double height = Top + workers.Count * RowHeight + 28;
        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"task-stream\" width=\"{Html.Num(TimeAxis.Width)}\" height=\"{Html.Num(height)}\" viewBox=\"0 0 {Html.Num(TimeAxis.Width)} {Html.Num(height)}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        var row = new Dictionary<string, int>();
        for (int i = 0; i < workers.Count; i++)
        {
            row[workers[i]] = i;
            double y = Top + i * RowHeight;
            svg.Append($"<g class=\"worker-row\" data-worker=\"{Html.Escape(workers[i])}\">");
            if (i % 2 == 0) svg.Append($"<rect x=\"{Html.Num(TimeAxis.Left)}\" y=\"{Html.Num(y)}\" width=\"{Html.Num(TimeAxis.PlotWidth)}\" height=\"{Html.Num(RowHeight)}\" fill=\"#f5f7fa\"/>");
            svg.Append($"<text class=\"worker\" x=\"{Html.Num(TimeAxis.Left - 8)}\" y=\"{Html.Num(y + RowHeight / 2 + 4)}\" text-anchor=\"end\" fill=\"#333\">{Html.Escape(Clip(workers[i], 26))}</text></g>\n");
        }
        foreach (var t in tasks)
        {
            double y = Top + row[t.Worker] * RowHeight + (RowHeight - BarHeight) / 2;
            double x = axis.X(t.Start), w = Math.Max(1, axis.X(t.End) - x);
            var outline = t.Failed ? " stroke=\"#c81e1e\" stroke-width=\"2\"" : " stroke=\"#fff\" stroke-width=\"0.5\"";
            svg.Append($"<rect class=\"task\" data-function=\"{Html.Escape(t.Function)}\" data-worker=\"{Html.Escape(t.Worker)}\" x=\"{Html.Num(x)}\" y=\"{Html.Num(y)}\" width=\"{Html.Num(w)}\" height=\"{Html.Num(BarHeight)}\" fill=\"{colours[t.Function]}\"{outline}>");
            svg.Append($"<title>{Html.Escape(t.Function)} · {Html.Escape(Html.Duration(t.Duration))} · {Html.Escape(t.Key)}{(t.Failed ? " · failed" : "")}</title></rect>\n");
        }
        axis.Draw(svg, Top + workers.Count * RowHeight + 2);
        return svg.Append("</svg>").ToString();
    }

    private static string Clip(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";
}
