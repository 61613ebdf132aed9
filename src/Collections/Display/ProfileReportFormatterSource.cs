namespace TaskGraph.Display;

/// <summary>Shows a <see cref="ProfileReport"/> as its HTML report in a notebook.</summary>
internal sealed class ProfileReportFormatterSource : HtmlFormatterSource<ProfileReport>
{
    /// <inheritdoc />
    protected override void WriteHtml(ProfileReport value, TextWriter writer) => writer.Write(value.ToHtmlFragment());
}
