namespace TaskGraph.Display;

/// <summary>Shows a <see cref="Profiler"/> as the report of what it recorded (without resource samples).</summary>
internal sealed class ProfilerFormatterSource : HtmlFormatterSource<Profiler>
{
    /// <inheritdoc />
    protected override void WriteHtml(Profiler value, TextWriter writer) => writer.Write(value.Report().ToHtmlFragment());
}
