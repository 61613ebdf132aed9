using System.Net;

namespace TaskGraph.Display;

/// <summary>
/// Shows a <see cref="Delayed{T}"/> in a notebook as the picture of its task graph (unfused, as
/// <see cref="Delayed{T}.ToSvg"/> draws it), under a line naming its type, key and task count. Graphs too large to
/// read as a picture show the line only. Nothing is computed.
/// </summary>
internal sealed class DelayedFormatterSource
{
    /// <summary>Above this many tasks the picture is left out: it would be unreadable and slow to draw.</summary>
    public const int MaxPictureNodes = 300;

    /// <summary>The formatters: HTML (summary and picture) and bare SVG.</summary>
    public IEnumerable<object> CreateTypeFormatters() => [new Formatter("text/html", html: true), new Formatter("image/svg+xml", html: false)];

    /// <summary>Writes the HTML view of <paramref name="value"/>.</summary>
    internal static void WriteHtml(IDelayed value, TextWriter writer)
    {
        var plan = ExecutionPlan.Compile([value.Spec], fuse: false);
        var type = value.GetType().IsGenericType ? value.GetType().GetGenericArguments()[0] : typeof(object);
        writer.Write("<div class=\"taskgraph-delayed\" style=\"font-family: sans-serif; font-size: 13px\">");
        writer.Write($"<p class=\"summary\" style=\"margin: 2px 0 6px\">Delayed&lt;{WebUtility.HtmlEncode(FriendlyName(type))}&gt; · <code class=\"key\">{WebUtility.HtmlEncode(value.Spec.Key.ToString())}</code> · <span class=\"tasks\">{plan.Count}</span> tasks</p>");
        if (plan.Count <= MaxPictureNodes) writer.Write(Inline(GraphPicture.ToSvg(plan)));
        else writer.Write($"<p class=\"too-large\">{plan.Count} tasks are too many to draw here; use ToSvg() or Visualize(path).</p>");
        writer.Write("</div>");
    }

    /// <summary>Writes the bare SVG picture of <paramref name="value"/>'s graph.</summary>
    internal static void WriteSvg(IDelayed value, TextWriter writer) => writer.Write(Inline(GraphPicture.ToSvg(ExecutionPlan.Compile([value.Spec], fuse: false))));

    /// <summary>Graphviz starts its SVG with an XML declaration, a DOCTYPE and comments: HTML wants the element only.</summary>
    private static string Inline(string svg)
    {
        int start = svg.IndexOf("<svg", StringComparison.Ordinal);
        return start <= 0 ? svg : svg[start..];
    }

    private static string FriendlyName(Type t)
    {
        if (!t.IsGenericType) return t.Name;
        var name = t.Name[..t.Name.IndexOf('`')];
        return $"{name}<{string.Join(", ", t.GetGenericArguments().Select(FriendlyName))}>";
    }

    /// <summary>One formatter object in the convention's shape: <c>MimeType</c>, <c>Type</c>, <c>Format(object, TextWriter)</c>.</summary>
    internal sealed class Formatter(string mimeType, bool html)
    {
        /// <summary>The MIME type written.</summary>
        public string MimeType => mimeType;

        /// <summary>Every delayed value.</summary>
        public Type Type => typeof(IDelayed);

        /// <summary>Writes <paramref name="instance"/>; false when it is not a delayed value.</summary>
        public bool Format(object instance, TextWriter writer)
        {
            if (instance is not IDelayed d) return false;
            if (html) WriteHtml(d, writer);
            else WriteSvg(d, writer);
            return true;
        }
    }
}
