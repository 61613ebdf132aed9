using System.Text;

namespace TaskGraph.Display;

/// <summary>
/// The block diagram of a chunked array, as Dask draws one: the array as a rectangle (2-D), a thin bar (1-D) or
/// a box in oblique projection (3-D and more: the last three axes), with a line at every chunk boundary and the
/// length of each axis written beside it. Side lengths are compressed (square root of the ratio to the longest
/// axis) so very unequal axes stay visible. Axes with more than <see cref="MaxLines"/> chunks are shaded instead
/// of lined.
/// </summary>
internal static class ArrayBlockDiagram
{
    /// <summary>Longest side in pixels.</summary>
    public const double MaxSide = 120;

    /// <summary>Above this many chunks along an axis its lines are not drawn (they would merge into a smear).</summary>
    public const int MaxLines = 60;

    private const double MinSide = 12, Margin = 10, LabelSpace = 34;
    private const string Fill = "#ecb172", Stroke = "#333";

    /// <summary>
    /// The SVG of an array of <paramref name="shape"/> cut into <paramref name="chunks"/> (per axis, the chunk
    /// lengths along it, as Dask's <c>chunks</c>) of element type <paramref name="dtype"/>.
    /// </summary>
    public static string Render(IReadOnlyList<long> shape, IReadOnlyList<IReadOnlyList<long>> chunks, string dtype)
    {
        Validate(shape, chunks);
        return shape.Count switch
        {
            0 => Scalar(dtype),
            1 => Flat([1], [[1]], shape, chunks, dtype, oneD: true),
            2 => Flat(shape, chunks, shape, chunks, dtype, oneD: false),
            _ => Box(shape, chunks, dtype),
        };
    }

    /// <summary>Checks that the chunks of every axis add up to its length; the message names the axis.</summary>
    public static void Validate(IReadOnlyList<long> shape, IReadOnlyList<IReadOnlyList<long>> chunks)
    {
        ArgumentNullException.ThrowIfNull(shape);
        ArgumentNullException.ThrowIfNull(chunks);
        if (shape.Count != chunks.Count)
            throw new ArgumentException($"The shape has {shape.Count} axes but chunks are given for {chunks.Count}.", nameof(chunks));
        for (int a = 0; a < shape.Count; a++)
        {
            if (shape[a] < 0) throw new ArgumentException($"Axis {a} has negative length {shape[a]}.", nameof(shape));
            if (chunks[a].Any(c => c < 0)) throw new ArgumentException($"Axis {a} has a negative chunk length.", nameof(chunks));
            if (chunks[a].Sum() != shape[a])
                throw new ArgumentException($"The chunks of axis {a} add up to {chunks[a].Sum()} but the axis has length {shape[a]}.", nameof(chunks));
        }
    }

    /// <summary>Pixel lengths of the axes: the longest gets <see cref="MaxSide"/>, others the square root of their ratio to it.</summary>
    internal static double[] Sides(IReadOnlyList<long> shape)
    {
        double longest = Math.Max(1, shape.Max());
        return [.. shape.Select(n => Math.Max(MinSide, MaxSide * Math.Sqrt(Math.Max(n, 1) / longest)))];
    }

    /// <summary>Chunk boundary offsets along an axis drawn <paramref name="pixels"/> long (0 and the end included).</summary>
    private static IEnumerable<double> Boundaries(IReadOnlyList<long> axisChunks, long length, double pixels)
    {
        yield return 0;
        long at = 0;
        foreach (var c in axisChunks)
        {
            at += c;
            yield return length == 0 ? pixels : at / (double)length * pixels;
        }
    }

    private static bool Dense(IReadOnlyList<long> axisChunks) => axisChunks.Count > MaxLines;

    private static string Scalar(string dtype)
    {
        var sb = Open(MaxSide / 3 + 2 * Margin, MaxSide / 3 + 2 * Margin, dtype);
        sb.Append($"<rect class=\"array\" x=\"{Margin}\" y=\"{Margin}\" width=\"{Html.Num(MaxSide / 3)}\" height=\"{Html.Num(MaxSide / 3)}\" fill=\"{Fill}\" stroke=\"{Stroke}\"/>");
        return sb.Append("</svg>").ToString();
    }

    /// <summary>2-D (rows × columns) and 1-D (drawn as one row): a rectangle with row and column lines.</summary>
    private static string Flat(IReadOnlyList<long> shape, IReadOnlyList<IReadOnlyList<long>> chunks, IReadOnlyList<long> labelShape, IReadOnlyList<IReadOnlyList<long>> labelChunks, string dtype, bool oneD)
    {
        double w, h;
        if (oneD) { w = MaxSide * 2; h = 25; }
        else { var s = Sides(shape); h = s[0]; w = s[1]; }
        var sb = Open(w + 2 * Margin + LabelSpace, h + 2 * Margin + LabelSpace, dtype);
        double x0 = Margin, y0 = Margin;
        sb.Append($"<rect class=\"array\" x=\"{Html.Num(x0)}\" y=\"{Html.Num(y0)}\" width=\"{Html.Num(w)}\" height=\"{Html.Num(h)}\" fill=\"{Fill}\" fill-opacity=\"{(DenseAny(chunks) ? "0.9" : "0.6")}\" stroke=\"none\"/>");
        var rowChunks = oneD ? [1L] : chunks[0];
        var colChunks = oneD ? labelChunks[0] : chunks[1];
        long rows = oneD ? 1 : shape[0], cols = oneD ? labelShape[0] : shape[1];
        foreach (var y in Lines(rowChunks, rows, h)) sb.Append(Line("row-line", x0, y0 + y, x0 + w, y0 + y));
        foreach (var x in Lines(colChunks, cols, w)) sb.Append(Line("col-line", x0 + x, y0, x0 + x, y0 + h));
        sb.Append(Label("size", x0 + w / 2, y0 + h + 18, cols.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), 0));
        if (!oneD) sb.Append(Label("size", x0 + w + 16, y0 + h / 2, rows.ToString("N0", System.Globalization.CultureInfo.InvariantCulture), -90));
        return sb.Append("</svg>").ToString();
    }

    /// <summary>3-D and more: the last three axes as a box (depth drawn diagonally), leading axes named in a note.</summary>
    private static string Box(IReadOnlyList<long> shape, IReadOnlyList<IReadOnlyList<long>> chunks, string dtype)
    {
        int n = shape.Count;
        var s = Sides([shape[n - 3], shape[n - 2], shape[n - 1]]);
        double depth = s[0] * 0.6, h = s[1], w = s[2];
        const double DepthLabel = 16; // room above the box for the depth axis's length
        double x0 = Margin + DepthLabel / 2, y0 = Margin + DepthLabel + depth; // front face top-left
        double width = w + depth + 2 * Margin + DepthLabel / 2 + LabelSpace, height = h + depth + 2 * Margin + DepthLabel + LabelSpace + (n > 3 ? 16 : 0);
        var sb = Open(width, height, dtype);
        string P(double x, double y) => $"{Html.Num(x)},{Html.Num(y)}";
        // Top face, right face, front face: back to front so the front face is on top.
        sb.Append($"<polygon class=\"array face-top\" points=\"{P(x0, y0)} {P(x0 + depth, y0 - depth)} {P(x0 + depth + w, y0 - depth)} {P(x0 + w, y0)}\" fill=\"{Fill}\" fill-opacity=\"0.45\" stroke=\"none\"/>");
        sb.Append($"<polygon class=\"array face-side\" points=\"{P(x0 + w, y0)} {P(x0 + w + depth, y0 - depth)} {P(x0 + w + depth, y0 - depth + h)} {P(x0 + w, y0 + h)}\" fill=\"{Fill}\" fill-opacity=\"0.75\" stroke=\"none\"/>");
        sb.Append($"<rect class=\"array face-front\" x=\"{Html.Num(x0)}\" y=\"{Html.Num(y0)}\" width=\"{Html.Num(w)}\" height=\"{Html.Num(h)}\" fill=\"{Fill}\" fill-opacity=\"0.6\" stroke=\"none\"/>");
        var (c0, c1, c2) = (chunks[n - 3], chunks[n - 2], chunks[n - 1]);
        // Front face: rows (axis n-2) and columns (axis n-1).
        foreach (var y in Lines(c1, shape[n - 2], h)) sb.Append(Line("row-line", x0, y0 + y, x0 + w, y0 + y));
        foreach (var x in Lines(c2, shape[n - 1], w)) sb.Append(Line("col-line", x0 + x, y0, x0 + x, y0 + h));
        // Top face: columns run back along the depth; depth boundaries run across.
        foreach (var x in Lines(c2, shape[n - 1], w)) sb.Append(Line("col-line top", x0 + x, y0, x0 + x + depth, y0 - depth));
        foreach (var d in Lines(c0, shape[n - 3], depth)) sb.Append(Line("depth-line", x0 + d, y0 - d, x0 + d + w, y0 - d));
        // Side face: rows run back along the depth; depth boundaries run down.
        foreach (var y in Lines(c1, shape[n - 2], h)) sb.Append(Line("row-line side", x0 + w, y0 + y, x0 + w + depth, y0 + y - depth));
        foreach (var d in Lines(c0, shape[n - 3], depth)) sb.Append(Line("depth-line side", x0 + w + d, y0 - d, x0 + w + d, y0 - d + h));
        var inv = System.Globalization.CultureInfo.InvariantCulture;
        sb.Append(Label("size", x0 + w / 2, y0 + h + 18, shape[n - 1].ToString("N0", inv), 0));
        sb.Append(Label("size", x0 + w + depth + 16, y0 - depth + h / 2, shape[n - 2].ToString("N0", inv), -90));
        sb.Append(Label("size", x0 + depth / 2 - 4, y0 - depth / 2 - 6, shape[n - 3].ToString("N0", inv), -45));
        if (n > 3)
            sb.Append(Label("leading", Margin, height - 6, "× " + string.Join(" × ", shape.Take(n - 3).Select(v => v.ToString("N0", inv))), 0, "start"));
        return sb.Append("</svg>").ToString();
    }

    /// <summary>The boundary offsets to draw along an axis: all of them, or only the two edges when too dense.</summary>
    private static IEnumerable<double> Lines(IReadOnlyList<long> axisChunks, long length, double pixels)
        => Dense(axisChunks) ? [0, pixels] : Boundaries(axisChunks, length, pixels);

    private static bool DenseAny(IReadOnlyList<IReadOnlyList<long>> chunks) => chunks.Any(Dense);

    private static StringBuilder Open(double width, double height, string dtype)
        => new StringBuilder().Append($"<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"array-blocks\" data-dtype=\"{Html.Escape(dtype)}\" width=\"{Html.Num(width)}\" height=\"{Html.Num(height)}\" viewBox=\"0 0 {Html.Num(width)} {Html.Num(height)}\" font-family=\"sans-serif\" font-size=\"12\">");

    private static string Line(string cls, double x1, double y1, double x2, double y2)
        => $"<line class=\"{cls}\" x1=\"{Html.Num(x1)}\" y1=\"{Html.Num(y1)}\" x2=\"{Html.Num(x2)}\" y2=\"{Html.Num(y2)}\" stroke=\"{Stroke}\" stroke-width=\"1\"/>";

    private static string Label(string cls, double x, double y, string text, int rotate, string anchor = "middle")
        => $"<text class=\"{cls}\" x=\"{Html.Num(x)}\" y=\"{Html.Num(y)}\" text-anchor=\"{anchor}\"{(rotate != 0 ? $" transform=\"rotate({rotate},{Html.Num(x)},{Html.Num(y)})\"" : "")}>{Html.Escape(text)}</text>";
}
