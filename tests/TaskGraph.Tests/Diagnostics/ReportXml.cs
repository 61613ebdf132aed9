using System.Xml;
using System.Xml.Linq;

namespace TaskGraph.Tests.Diagnostics;

/// <summary>Parses HTML and SVG that TaskGraph writes as XML, so tests assert structure rather than strings.</summary>
public static class ReportXml
{
    /// <summary>The SVG namespace.</summary>
    public static readonly XNamespace Svg = "http://www.w3.org/2000/svg";

    /// <summary>Parses a document or fragment (a DOCTYPE is skipped); throws when it is not well-formed.</summary>
    public static XElement Parse(string html)
    {
        var settings = new XmlReaderSettings { DtdProcessing = DtdProcessing.Ignore };
        using var reader = XmlReader.Create(new StringReader(html), settings);
        return XDocument.Load(reader).Root!;
    }

    /// <summary>Elements named <paramref name="name"/> (any namespace) whose class list contains <paramref name="cls"/>.</summary>
    public static IEnumerable<XElement> WithClass(this XElement root, string name, string cls)
        => root.DescendantsAndSelf().Where(e => e.Name.LocalName == name && ((string?)e.Attribute("class") ?? "").Split(' ').Contains(cls));
}
