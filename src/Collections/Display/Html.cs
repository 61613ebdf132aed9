using System.Globalization;
using System.Net;

namespace TaskGraph.Display;

/// <summary>Small helpers for writing well-formed HTML and SVG (escaping, invariant numbers).</summary>
internal static class Html
{
    /// <summary>Text escaped for element content and attribute values.</summary>
    public static string Escape(string? text) => WebUtility.HtmlEncode(text ?? "");

    /// <summary>A number for SVG coordinates: invariant culture, at most two decimals.</summary>
    public static string Num(double value) => Math.Round(value, 2).ToString(CultureInfo.InvariantCulture);

    /// <summary>A duration for people: <c>850 µs</c>, <c>12.3 ms</c>, <c>200 ms</c>, <c>4.56 s</c>, <c>3 min 20 s</c>.</summary>
    public static string Duration(TimeSpan t)
    {
        double s = t.TotalSeconds;
        if (s == 0) return "0 s";
        if (s < 0.001) return (s * 1e6).ToString("0", CultureInfo.InvariantCulture) + " µs";
        if (s < 1) return (s * 1e3).ToString("0.#", CultureInfo.InvariantCulture) + " ms";
        if (s < 60) return s.ToString("0.##", CultureInfo.InvariantCulture) + " s";
        return $"{(int)(s / 60)} min {(int)(s % 60)} s";
    }

    /// <summary>Removes an XML declaration, DOCTYPE and comments before the root <c>&lt;svg&gt;</c> (Graphviz writes them), so the SVG can be inlined in HTML.</summary>
    public static string InlineSvg(string svg)
    {
        int start = svg.IndexOf("<svg", StringComparison.Ordinal);
        return start <= 0 ? svg : svg[start..];
    }
}
