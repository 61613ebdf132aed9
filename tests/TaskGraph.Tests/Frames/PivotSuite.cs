namespace TaskGraph.Tests.Frames;

/// <summary>
/// Known categories and pivot tables on every scheduler: <c>Categorize</c> codes every partition against one list,
/// <c>PivotTable</c> agrees with a LINQ group-by of the same rows for each aggregation.
/// </summary>
[TestFixtureSource(typeof(SchedulerCases), nameof(SchedulerCases.All))]
public class PivotSuite(string schedulerName)
{
    private IScheduler _s = null!;

    [SetUp]
    public void SetUp() => _s = SchedulerCases.Create(schedulerName);

    private sealed record Sale(string? Region, string? Product, int Qty, double Price);

    // 1,500 sales over 5 regions and 4 products; "gadget" is sold only in the last partitions, "spare" never in "north"
    private static List<Sale> Sales()
    {
        var rng = new Random(5);
        string[] regions = ["north", "south", "east", "west", "centre"];
        var list = new List<Sale>();
        for (int i = 0; i < 1500; i++)
        {
            var region = i % 97 == 3 ? null : regions[rng.Next(regions.Length)];
            var product = i % 89 == 1 ? null : i > 1200 && rng.Next(3) == 0 ? "gadget" : new[] { "widget", "bolt", "spare" }[rng.Next(3)];
            if (region == "north" && product == "spare") product = "bolt";
            list.Add(new Sale(region, product, rng.Next(1, 20), Math.Round(rng.NextDouble() * 50, 2)));
        }
        return list;
    }

    private static Table SalesTable(List<Sale> sales) => Table.Create(
        ("region", Column.Of(sales.Select(s => s.Region).ToArray())), ("product", Column.Of(sales.Select(s => s.Product).ToArray())),
        ("qty", Column.Of(sales.Select(s => s.Qty).ToArray())), ("price", Column.Of(sales.Select(s => s.Price).ToArray())));

    [Test]
    public void CategorizeMakesOneCodeListThatEveryPartitionUses()
    {
        var sales = Sales();
        var f = Frame.FromTable(SalesTable(sales), 6).Categorize(["product"], _s);
        var expected = sales.Where(s => s.Product is not null).Select(s => s.Product!).Distinct().Order(StringComparer.Ordinal).ToArray();
        Assert.That(f.KnownCategories("product"), Is.EqualTo(expected));
        Assert.That(f.KnownCategories("region"), Is.Null);
        var parts = Delayed.Compute(f.ToDelayedPartitions(), new ComputeOptions { Scheduler = _s });
        int row = 0;
        foreach (var part in parts)
        {
            var c = part["product"];
            Assert.That(c.Dictionary, Is.EqualTo(expected), "every partition codes against the same categories");
            for (int i = 0; i < part.RowCount; i++, row++)
            {
                Assert.That(c.GetValue(i), Is.EqualTo(sales[row].Product));
                Assert.That(c.Codes![i], Is.EqualTo(sales[row].Product is { } p ? Array.IndexOf(expected, p) : -1));
            }
        }
        Assert.That(row, Is.EqualTo(sales.Count));
        // categories survive a filter and a projection keeping the column, under its new name
        var kept = f.Filter(Expr.Col("qty") > 3).Rename("product", "item");
        Assert.That(kept.KnownCategories("item"), Is.EqualTo(expected));
    }

    [TestCase(AggKind.Sum)]
    [TestCase(AggKind.Mean)]
    [TestCase(AggKind.Count)]
    [TestCase(AggKind.Min)]
    [TestCase(AggKind.Max)]
    [TestCase(AggKind.First)]
    [TestCase(AggKind.Last)]
    public void PivotTableEqualsALinqGroupByOfTheSameRows(AggKind kind)
    {
        var sales = Sales();
        var f = Frame.FromTable(SalesTable(sales), 7).Categorize(["product"], _s);
        var pivot = f.PivotTable("region", "product", "price", kind);
        string[] categories = ["bolt", "gadget", "spare", "widget"];
        Assert.That(pivot.Columns, Is.EqualTo(new[] { "region" }.Concat(categories)));
        var t = pivot.Compute(_s);
        var rows = sales.Where(s => s.Region is not null && s.Product is not null).ToList();
        var regions = rows.Select(s => s.Region!).Distinct().Order(StringComparer.Ordinal).ToArray();
        Assert.That(Enumerable.Range(0, t.RowCount).Select(r => t[r, "region"]), Is.EqualTo(regions));
        for (int r = 0; r < regions.Length; r++)
            foreach (var product in categories)
            {
                var prices = rows.Where(s => s.Region == regions[r] && s.Product == product).Select(s => s.Price).ToList();
                object? expected = kind switch
                {
                    AggKind.Count => (object)(long)prices.Count,
                    _ when prices.Count == 0 => null,
                    AggKind.Sum => (object)prices.Sum(),
                    AggKind.Mean => (object)prices.Average(),
                    AggKind.Min => (object)prices.Min(),
                    AggKind.First => (object)prices[0],
                    AggKind.Last => (object)prices[^1],
                    _ => (object)prices.Max(),
                };
                var got = t[r, product];
                if (expected is double d) Assert.That((double)got!, Is.EqualTo(d).Within(1e-9), $"{regions[r]} / {product}");
                else Assert.That(got, Is.EqualTo(expected), $"{regions[r]} / {product}");
            }
        // "spare" never sold in "north": an empty cell (0 for a count)
        int north = Array.IndexOf(regions, "north");
        Assert.That(t[north, "spare"], Is.EqualTo(kind == AggKind.Count ? 0L : null));
    }

    [Test]
    public void PivotTableOfIntegersSumsToInt64AndFollowsLaterSteps()
    {
        var sales = Sales();
        var f = Frame.FromTable(SalesTable(sales), 3).Categorize(["product"], _s);
        var t = f.PivotTable("region", "product", "qty", AggKind.Sum).Select("region", "widget").Compute(_s);
        Assert.That(t.Schema["widget"].Type, Is.EqualTo(ColumnType.Int64));
        var expected = sales.Where(s => s.Region is not null && s.Product is not null).GroupBy(s => s.Region!).OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => g.Any(s => s.Product == "widget") ? (object?)(long)g.Where(s => s.Product == "widget").Sum(s => s.Qty) : null);
        Assert.That(Enumerable.Range(0, t.RowCount).Select(r => t[r, "widget"]), Is.EqualTo(expected));
    }
}
