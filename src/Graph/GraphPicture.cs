using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text;

namespace TaskGraph;

/// <summary>
/// Pictures of plans: Graphviz DOT text, and SVG either through Graphviz <c>dot</c> (when installed) or through
/// a small layered layout of our own, so a picture is always available (notebooks, machines without Graphviz).
/// </summary>
public static class GraphPicture
{
    /// <summary>Where to find Graphviz <c>dot</c>; null searches PATH.</summary>
    public static string? DotPath { get; set; }

    /// <summary>Graphviz DOT text: one box per node (function name and key), one arrow per dependency; outputs drawn bold.</summary>
    public static string ToDot(ExecutionPlan plan)
    {
        var sb = new StringBuilder("digraph taskgraph {\n  rankdir=BT;\n  node [shape=box, style=rounded, fontname=\"Helvetica\", fontsize=10];\n");
        for (int i = 0; i < plan.Count; i++)
        {
            var bold = plan.IsOutput(i) ? ", penwidth=2" : "";
            sb.Append(CultureInfo.InvariantCulture, $"  n{i} [label=\"{Escape(plan.FunctionOf(i))}\\n{Escape(ShortKey(plan.KeyOf(i)))}\"{bold}];\n");
        }
        for (int i = 0; i < plan.Count; i++)
            foreach (var d in plan.Dependencies[i])
                sb.Append(CultureInfo.InvariantCulture, $"  n{d} -> n{i};\n");
        return sb.Append("}\n").ToString();
    }

    /// <summary>SVG of the plan: Graphviz when <c>dot</c> is found (or <paramref name="useGraphviz"/> is true), else our own layout.</summary>
    public static string ToSvg(ExecutionPlan plan, bool? useGraphviz = null)
    {
        var dot = FindDot();
        if (useGraphviz == true && dot is null)
            throw new InvalidOperationException("Graphviz 'dot' was not found on PATH (install the 'graphviz' package, or set GraphPicture.DotPath); ToSvg(plan, useGraphviz: false) draws TaskGraph's own layout instead.");
        return useGraphviz != false && dot is not null ? RunDot(dot, ToDot(plan)) : Layered(plan);
    }

    /// <summary>The <c>dot</c> executable, or null when Graphviz is not installed.</summary>
    public static string? FindDot()
    {
        if (DotPath is { } p) return File.Exists(p) ? p : null;
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, OperatingSystem.IsWindows() ? "dot.exe" : "dot");
            if (File.Exists(candidate)) return candidate;
        }
        return null;
    }

    private static string RunDot(string dot, string text)
    {
        var psi = new ProcessStartInfo(dot, "-Tsvg") { RedirectStandardInput = true, RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        using var p = Process.Start(psi) ?? throw new InvalidOperationException($"Could not start Graphviz at '{dot}'.");
        var output = p.StandardOutput.ReadToEndAsync();
        var error = p.StandardError.ReadToEndAsync();
        p.StandardInput.Write(text);
        p.StandardInput.Close();
        p.WaitForExit();
        if (p.ExitCode != 0) throw new InvalidOperationException($"Graphviz 'dot' failed (exit {p.ExitCode}): {error.Result}");
        return output.Result;
    }

    /// <summary>
    /// Our own layout: a node's row is the length of the longest dependency path below it (roots at the bottom,
    /// outputs at the top, as Dask draws); nodes in a row are placed in priority order.
    /// </summary>
    public static string Layered(ExecutionPlan plan)
    {
        const int W = 150, H = 36, GapX = 20, GapY = 50, Pad = 10;
        var row = new int[plan.Count];
        foreach (var v in plan.Order)
            foreach (var d in plan.Dependencies[v]) row[v] = Math.Max(row[v], row[d] + 1);
        int rows = plan.Count == 0 ? 0 : row.Max() + 1;
        var col = new int[plan.Count];
        var perRow = new int[rows];
        foreach (var v in plan.Order) col[v] = perRow[row[v]]++;
        int width = Pad * 2 + Math.Max(1, perRow.DefaultIfEmpty(1).Max()) * (W + GapX), height = Pad * 2 + rows * (H + GapY);
        double X(int v) => Pad + col[v] * (W + GapX);
        double Y(int v) => Pad + (rows - 1 - row[v]) * (H + GapY);
        var sb = new StringBuilder();
        sb.Append(CultureInfo.InvariantCulture, $"<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" viewBox=\"0 0 {width} {height}\" font-family=\"Helvetica, sans-serif\" font-size=\"11\">\n");
        sb.Append("<defs><marker id=\"arrow\" viewBox=\"0 0 10 10\" refX=\"10\" refY=\"5\" markerWidth=\"6\" markerHeight=\"6\" orient=\"auto\"><path d=\"M0,0 L10,5 L0,10 z\" fill=\"#555\"/></marker></defs>\n");
        for (int v = 0; v < plan.Count; v++)
            foreach (var d in plan.Dependencies[v])
                sb.Append(CultureInfo.InvariantCulture, $"<line class=\"edge\" x1=\"{X(d) + W / 2}\" y1=\"{Y(d)}\" x2=\"{X(v) + W / 2}\" y2=\"{Y(v) + H}\" stroke=\"#555\" marker-end=\"url(#arrow)\"/>\n");
        for (int v = 0; v < plan.Count; v++)
        {
            var stroke = plan.IsOutput(v) ? "2.5" : "1";
            sb.Append(CultureInfo.InvariantCulture, $"<g class=\"node\"><title>{WebUtility.HtmlEncode(plan.KeyOf(v).ToString())}</title>");
            sb.Append(CultureInfo.InvariantCulture, $"<rect x=\"{X(v)}\" y=\"{Y(v)}\" width=\"{W}\" height=\"{H}\" rx=\"6\" fill=\"#e8f0fe\" stroke=\"#1a56db\" stroke-width=\"{stroke}\"/>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(v) + W / 2}\" y=\"{Y(v) + 15}\" text-anchor=\"middle\">{WebUtility.HtmlEncode(Clip(plan.FunctionOf(v), 24))}</text>");
            sb.Append(CultureInfo.InvariantCulture, $"<text x=\"{X(v) + W / 2}\" y=\"{Y(v) + 29}\" text-anchor=\"middle\" fill=\"#666\" font-size=\"9\">{WebUtility.HtmlEncode(Clip(ShortKey(plan.KeyOf(v)), 28))}</text></g>\n");
        }
        return sb.Append("</svg>\n").ToString();
    }

    private static string ShortKey(TaskKey key) => key.ToString().Length > 40 ? key.ToString()[..40] + "…" : key.ToString();

    private static string Clip(string s, int n) => s.Length <= n ? s : s[..(n - 1)] + "…";

    private static string Escape(string s) => s.Replace("\\", "\\\\").Replace("\"", "\\\"");
}
