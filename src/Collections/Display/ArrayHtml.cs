using System.Globalization;
using System.Text;

namespace TaskGraph.Display;

/// <summary>
/// HTML for a chunked array, shown without computing (like Dask's array repr): a table of bytes, shape, chunk
/// count, task count and element type for the whole array and for one (the largest) chunk, beside the block diagram.
/// </summary>
internal static class ArrayHtml
{
    /// <summary>
    /// The view of an array of <paramref name="shape"/> in <paramref name="chunks"/>, of element type
    /// <paramref name="dtype"/> taking <paramref name="itemSize"/> bytes, whose graph has <paramref name="tasks"/> tasks.
    /// </summary>
    public static string Render(IReadOnlyList<long> shape, IReadOnlyList<IReadOnlyList<long>> chunks, string dtype, int itemSize, int tasks)
    {
        ArrayBlockDiagram.Validate(shape, chunks);
        var chunk = chunks.Select(c => c.DefaultIfEmpty(0).Max()).ToArray();
        long chunkCount = chunks.Aggregate(1L, (n, c) => n * c.Count);
        double bytes = shape.Aggregate((double)itemSize, (n, s) => n * s), chunkBytes = chunk.Aggregate((double)itemSize, (n, s) => n * s);
        const string Th = "padding: 2px 10px; text-align: left; color: #555";
        const string Td = "padding: 2px 10px; border-bottom: 1px solid #eee; text-align: right";
        var sb = new StringBuilder("<div class=\"taskgraph-array\" style=\"display: flex; gap: 24px; align-items: center; font-family: sans-serif; font-size: 13px\">");
        sb.Append("<table class=\"array-summary\" style=\"border-collapse: collapse\"><thead><tr><th></th>");
        sb.Append($"<th style=\"{Th}\">Array</th><th style=\"{Th}\">Chunk</th></tr></thead><tbody>");
        Row(sb, "bytes", "Bytes", Bytes(bytes), Bytes(chunkBytes));
        Row(sb, "shape", "Shape", Tuple(shape), Tuple(chunk));
        Row(sb, "count", "Count", $"{chunkCount.ToString("N0", CultureInfo.InvariantCulture)} chunks", $"{tasks.ToString("N0", CultureInfo.InvariantCulture)} tasks");
        Row(sb, "type", "Type", dtype, "");
        sb.Append("</tbody></table>");
        sb.Append(ArrayBlockDiagram.Render(shape, chunks, dtype)).Append("</div>");
        return sb.ToString();

        static void Row(StringBuilder sb, string key, string title, string whole, string part)
            => sb.Append($"<tr data-row=\"{key}\"><th style=\"{Th}\">{title}</th><td style=\"{Td}\">{Html.Escape(whole)}</td><td style=\"{Td}\">{Html.Escape(part)}</td></tr>");
    }

    /// <summary>Dask-style tuple text: <c>(20000, 20000)</c>, <c>(5,)</c>.</summary>
    internal static string Tuple(IReadOnlyList<long> values)
        => values.Count == 1 ? $"({values[0]},)" : "(" + string.Join(", ", values.Select(v => v.ToString(CultureInfo.InvariantCulture))) + ")";

    /// <summary>Bytes in binary units: <c>3.05 GiB</c>.</summary>
    internal static string Bytes(double b)
    {
        string[] units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
        int u = 0;
        while (b >= 1024 && u < units.Length - 1) { b /= 1024; u++; }
        return u == 0 ? $"{b:0} B" : b.ToString("0.##", CultureInfo.InvariantCulture) + " " + units[u];
    }
}
