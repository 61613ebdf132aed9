namespace TaskGraph.Display;

/// <summary>Shows a <see cref="ResourceProfiler"/> as a report of its CPU and memory samples.</summary>
internal sealed class ResourceProfilerFormatterSource : HtmlFormatterSource<ResourceProfiler>
{
    /// <inheritdoc />
    protected override void WriteHtml(ResourceProfiler value, TextWriter writer) => writer.Write(new ProfileReport([], value.Samples).ToHtmlFragment());
}
