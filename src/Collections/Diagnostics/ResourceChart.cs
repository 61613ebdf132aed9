using System.Text;

namespace TaskGraph.Diagnostics;

/// <summary>
/// CPU and memory over time, one line per process, in two panels on the report's time axis (like Dask's
/// resource profiler plot). CPU is in percent of one core, memory in MiB.
/// </summary>
internal static class ResourceChart
{
    private const double PanelHeight = 120, PanelGap = 34, Top = 10;

    /// <summary>The SVG of <paramref name="samples"/> over <paramref name="axis"/>.</summary>
    public static string Render(IReadOnlyList<ResourceSample> samples, TimeAxis axis)
    {
        var processes = samples.Select(s => s.Process).Distinct().OrderBy(p => p == "main" ? "" : p, NaturalOrder.Instance).ToList();
        double height = Top + 2 * PanelHeight + PanelGap + 30 + 18 * ((processes.Count + 5) / 6);
        var svg = new StringBuilder();
        svg.Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"resources\" width=\"{Html.Num(TimeAxis.Width)}\" height=\"{Html.Num(height)}\" viewBox=\"0 0 {Html.Num(TimeAxis.Width)} {Html.Num(height)}\" font-family=\"sans-serif\" font-size=\"11\">\n");
        double cpuMax = NiceMax(Math.Max(100, samples.Select(s => s.CpuPercent).DefaultIfEmpty(0).Max()));
        double memMax = NiceMax(samples.Select(s => s.MemoryMB).DefaultIfEmpty(1).Max() * 1.1);
        Panel(svg, "cpu", "CPU %", samples, processes, axis, Top, cpuMax, s => s.CpuPercent);
        Panel(svg, "memory", "Memory MiB", samples, processes, axis, Top + PanelHeight + PanelGap, memMax, s => s.MemoryMB);
        double legendY = Top + 2 * PanelHeight + PanelGap + 28;
        for (int i = 0; i < processes.Count; i++)
        {
            double x = TimeAxis.Left + i % 6 * 125, y = legendY + i / 6 * 18;
            svg.Append($"<g class=\"legend-item\"><rect x=\"{Html.Num(x)}\" y=\"{Html.Num(y - 9)}\" width=\"12\" height=\"10\" fill=\"{Palette.Colour(i)}\"/><text x=\"{Html.Num(x + 16)}\" y=\"{Html.Num(y)}\">{Html.Escape(processes[i])}</text></g>\n");
        }
        return svg.Append("</svg>").ToString();
    }

    private static void Panel(StringBuilder svg, string kind, string title, IReadOnlyList<ResourceSample> samples, List<string> processes, TimeAxis axis, double top, double max, Func<ResourceSample, double> value)
    {
        double Y(double v) => top + PanelHeight - v / max * PanelHeight;
        svg.Append($"<g class=\"panel\" data-kind=\"{kind}\">");
        svg.Append($"<rect x=\"{Html.Num(TimeAxis.Left)}\" y=\"{Html.Num(top)}\" width=\"{Html.Num(TimeAxis.PlotWidth)}\" height=\"{Html.Num(PanelHeight)}\" fill=\"#fafbfc\" stroke=\"#ddd\"/>");
        svg.Append($"<text class=\"panel-title\" x=\"{Html.Num(TimeAxis.Left - 60)}\" y=\"{Html.Num(top + PanelHeight / 2 + 4)}\" text-anchor=\"end\" font-weight=\"bold\" fill=\"#333\">{Html.Escape(title)}</text>");
        foreach (var v in new[] { 0, max / 2, max })
        {
            svg.Append($"<line x1=\"{Html.Num(TimeAxis.Left)}\" y1=\"{Html.Num(Y(v))}\" x2=\"{Html.Num(TimeAxis.Left + TimeAxis.PlotWidth)}\" y2=\"{Html.Num(Y(v))}\" stroke=\"#e3e3e3\"/>");
            svg.Append($"<text class=\"value\" x=\"{Html.Num(TimeAxis.Left - 6)}\" y=\"{Html.Num(Y(v) + 4)}\" text-anchor=\"end\" fill=\"#555\">{Html.Num(Math.Round(v))}</text>");
        }
        for (int i = 0; i < processes.Count; i++)
        {
            var points = string.Join(" ", samples.Where(s => s.Process == processes[i]).OrderBy(s => s.Time)
                .Select(s => $"{Html.Num(axis.X(s.Time))},{Html.Num(Y(value(s)))}"));
            svg.Append($"<polyline class=\"{kind}\" data-process=\"{Html.Escape(processes[i])}\" points=\"{points}\" fill=\"none\" stroke=\"{Palette.Colour(i)}\" stroke-width=\"1.8\"/>");
        }
        svg.Append("</g>\n");
        axis.Draw(svg, top + PanelHeight);
    }

    /// <summary>A round upper bound at or above <paramref name="v"/> (1, 2 or 5 times a power of ten).</summary>
    private static double NiceMax(double v)
    {
        if (v <= 0) return 1;
        double magnitude = Math.Pow(10, Math.Floor(Math.Log10(v)));
        return new[] { 1.0, 2, 5, 10 }.Select(m => m * magnitude).First(s => s >= v);
    }
}
