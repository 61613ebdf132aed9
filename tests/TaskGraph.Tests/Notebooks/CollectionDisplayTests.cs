using System.Xml.Linq;
using TaskGraph.Tests.Diagnostics;
using static TaskGraph.Tests.Diagnostics.ReportXml;

namespace TaskGraph.Tests.Notebooks;

/// <summary>
/// The HTML and SVG the collections' formatter sources will write (Table preview, lazy Frame structure, NdArray
/// summary and block diagram), checked on plain data until those collections land.
/// </summary>
public class CollectionDisplayTests
{
    private static readonly ColumnInfo[] Columns = [new("id", "Int64"), new("fare", "Double"), new("vendor", "String")];

    [Test]
    public void TablePreviewShowsColumnsTypesFirstRowsAndCounts()
    {
        object?[][] rows = [[1L, 2.5, "a"], [2L, null, "b<&>"]];
        var html = Parse(TableHtml.Render(Columns, rows, 1_000));
        var table = html.WithClass("table", "table-preview").Single();
        var headers = table.Element("thead")!.Descendants("th").Where(th => th.Attribute("data-column") is not null).ToList();
        Assert.That(headers.Select(h => (string)h.Attribute("data-column")!), Is.EqualTo(new[] { "id", "fare", "vendor" }));
        Assert.That(headers.Select(h => h.WithClass("span", "dtype").Single().Value), Is.EqualTo(new[] { "Int64", "Double", "String" }));
        var body = table.Element("tbody")!.Elements("tr").ToList();
        Assert.That(body, Has.Count.EqualTo(3), "two rows and the 'more' row");
        Assert.That(body[1].Elements("td").Select(td => td.Value), Is.EqualTo(new[] { "2", "null", "b<&>" }));
        Assert.That(body[2].Value, Is.EqualTo("… 998 more rows"));
        Assert.That((html.WithClass("span", "rows").Single().Value, html.WithClass("span", "columns").Single().Value), Is.EqualTo(("1,000", "3")));
    }

    [Test]
    public void TablePreviewRefusesARaggedRow()
        => Assert.That(() => TableHtml.Render(Columns, [[1L, 2.0]], 1), Throws.ArgumentException.With.Message.Contains("Row 0 has 2 values but the table has 3 columns"));

    [Test]
    public void LazyFrameShowsSchemaPartitionsAndTasks()
    {
        var html = Parse(LazyFrameHtml.Render(Columns, 12, 36));
        var schema = html.WithClass("table", "schema").Single();
        Assert.That(schema.Element("thead")!.Descendants("th").Where(th => th.Attribute("data-column") is not null).Select(th => th.Value), Is.EqualTo(new[] { "id", "fare", "vendor" }));
        Assert.That(schema.WithClass("tr", "types").Single().Elements("td").Select(td => td.Value), Is.EqualTo(new[] { "Int64", "Double", "String" }));
        Assert.That((html.WithClass("span", "partitions").Single().Value, html.WithClass("span", "tasks").Single().Value), Is.EqualTo(("12", "36")));
    }

    private static long[][] Even(long length, long chunk) => [[.. Enumerable.Repeat(chunk, (int)(length / chunk))]];

    [Test]
    public void TwoDimensionalBlocksHaveALinePerChunkBoundary()
    {
        var svg = Parse(ArrayBlockDiagram.Render([20_000, 20_000], [Even(20_000, 2_000)[0], Even(20_000, 4_000)[0]], "float64"));
        Assert.That(svg.Name, Is.EqualTo(Svg + "svg"));
        Assert.That(svg.WithClass("line", "row-line").Count(), Is.EqualTo(11));
        Assert.That(svg.WithClass("line", "col-line").Count(), Is.EqualTo(6));
        Assert.That(svg.WithClass("text", "size").Select(t => t.Value), Is.EqualTo(new[] { "20,000", "20,000" }));
        Assert.That((string)svg.Attribute("data-dtype")!, Is.EqualTo("float64"));
    }

    [Test]
    public void UnequalAxesKeepTheirOrderButStayVisible()
    {
        var sides = ArrayBlockDiagram.Sides([100, 1_000_000]);
        Assert.That(sides[1], Is.EqualTo(ArrayBlockDiagram.MaxSide));
        Assert.That(sides[0], Is.LessThan(sides[1]).And.GreaterThanOrEqualTo(12));
    }

    [Test]
    public void OneDimensionalArrayIsAThinBar()
    {
        var svg = Parse(ArrayBlockDiagram.Render([1_000], [[250, 250, 250, 250]], "int32"));
        Assert.That(svg.WithClass("line", "col-line").Count(), Is.EqualTo(5));
        Assert.That(svg.WithClass("line", "row-line").Count(), Is.EqualTo(2));
        Assert.That(svg.WithClass("text", "size").Single().Value, Is.EqualTo("1,000"));
    }

    [Test]
    public void ThreeDimensionalArrayIsABoxWithLinesOnEveryFace()
    {
        var svg = Parse(ArrayBlockDiagram.Render([4, 100, 200], [[2, 2], [50, 50], [100, 100]], "float32"));
        Assert.That(svg.WithClass("polygon", "face-top").Count() + svg.WithClass("polygon", "face-side").Count() + svg.WithClass("rect", "face-front").Count(), Is.EqualTo(3));
        Assert.That(svg.WithClass("line", "depth-line").Count(), Is.EqualTo(6), "three depth boundaries on the top face and three on the side");
        Assert.That(svg.WithClass("text", "size").Select(t => t.Value), Is.EquivalentTo(new[] { "200", "100", "4" }));
    }

    [Test]
    public void LeadingAxesOfAFourDimensionalArrayAreNamed()
    {
        var svg = Parse(ArrayBlockDiagram.Render([7, 4, 10, 10], [[7], [4], [10], [10]], "float64"));
        Assert.That(svg.WithClass("text", "leading").Single().Value, Is.EqualTo("× 7"));
    }

    [Test]
    public void TooManyChunksAreShadedNotLined()
    {
        var svg = Parse(ArrayBlockDiagram.Render([10_000, 10], [Even(10_000, 10)[0], [10]], "float64"));
        Assert.That(svg.WithClass("line", "row-line").Count(), Is.EqualTo(2), "only the edges of a 1,000-chunk axis");
    }

    [Test]
    public void ChunksThatDoNotAddUpNameTheAxis()
        => Assert.That(() => ArrayBlockDiagram.Render([10, 10], [[5, 5], [5, 4]], "float64"),
            Throws.ArgumentException.With.Message.Contains("axis 1 add up to 9 but the axis has length 10"));

    [Test]
    public void ArraySummaryShowsBytesShapeCountAndType()
    {
        var html = Parse(ArrayHtml.Render([20_000, 20_000], [Even(20_000, 2_000)[0], Even(20_000, 2_000)[0]], "float64", 8, 100));
        string Cell(string row, int i) => html.Descendants("tr").Single(tr => (string?)tr.Attribute("data-row") == row).Elements("td").ElementAt(i).Value;
        Assert.That((Cell("bytes", 0), Cell("bytes", 1)), Is.EqualTo(("2.98 GiB", "30.52 MiB")));
        Assert.That((Cell("shape", 0), Cell("shape", 1)), Is.EqualTo(("(20000, 20000)", "(2000, 2000)")));
        Assert.That((Cell("count", 0), Cell("count", 1)), Is.EqualTo(("100 chunks", "100 tasks")));
        Assert.That(Cell("type", 0), Is.EqualTo("float64"));
        Assert.That(html.WithClass("svg", "array-blocks").Count(), Is.EqualTo(1));
    }
}
