namespace TaskGraph.Display;

/// <summary>
/// The base of every formatter source that shows a TaskGraph type as HTML in a notebook. Adding a type is one
/// small class: derive, write the HTML, and put
/// <c>[TypeFormatterSource(typeof(MyTypeFormatterSource), PreferredMimeTypes = [HtmlFormatterSource.Html])]</c>
/// on the type.
/// </summary>
/// <typeparam name="T">The type shown.</typeparam>
internal abstract class HtmlFormatterSource<T>
{
    /// <summary>The formatters the kernel registers for <typeparamref name="T"/>: one writing <c>text/html</c>.</summary>
    public IEnumerable<object> CreateTypeFormatters() => [new DisplayFormatter<T>(HtmlFormatterSource.Html, WriteHtml)];

    /// <summary>Writes <paramref name="value"/> as an HTML fragment (well-formed XML, so tests can parse it).</summary>
    protected abstract void WriteHtml(T value, TextWriter writer);
}

/// <summary>MIME type names shared by the formatter sources.</summary>
internal static class HtmlFormatterSource
{
    /// <summary>HTML.</summary>
    public const string Html = "text/html";

    /// <summary>SVG.</summary>
    public const string Svg = "image/svg+xml";
}
