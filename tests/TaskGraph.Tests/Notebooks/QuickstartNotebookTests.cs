using System.Xml.Linq;
using TaskGraph.Tests.Diagnostics;
using static TaskGraph.Tests.Diagnostics.ReportXml;

namespace TaskGraph.Tests.Notebooks;

/// <summary>
/// examples/quickstart.ipynb runs cell by cell through Roslyn scripting (what the .NET Interactive C# kernel is
/// built on), and what it shows is what the formatters should produce, checked by parsing it.
/// </summary>
public class QuickstartNotebookTests
{
    private NotebookDocument _notebook = null!;
    private IReadOnlyList<NotebookRunner.CellRun> _runs = null!;

    [OneTimeSetUp]
    public void RunTheNotebook()
    {
        _notebook = NotebookDocument.Load(Find("examples/quickstart.ipynb"));
        var run = Task.Run(() => NotebookRunner.RunAsync(_notebook));
        Assert.That(run.Wait(TimeSpan.FromMinutes(3)), Is.True, "the notebook finished within 3 minutes");
        _runs = run.Result;
    }

    /// <summary>The file at <paramref name="relative"/> from the repository root, found upwards from the test binaries.</summary>
    private static string Find(string relative)
    {
        for (var dir = new DirectoryInfo(TestContext.CurrentContext.TestDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, relative);
            if (File.Exists(candidate)) return candidate;
        }
        throw new FileNotFoundException($"{relative} was not found above {TestContext.CurrentContext.TestDirectory}.");
    }

    /// <summary>The run of the code cell whose source contains <paramref name="marker"/>.</summary>
    private NotebookRunner.CellRun Cell(string marker) => _runs.Single(r => r.Cell.Source.Contains(marker, StringComparison.Ordinal));

    [Test]
    public void ItIsACSharpPolyglotNotebook()
    {
        Assert.That(_notebook.Kernel, Is.EqualTo(".net-csharp"));
        Assert.That(_notebook.CodeCells.Select(c => c.Language), Is.All.EqualTo("csharp"));
        Assert.That(_notebook.CodeCells.First().Source, Does.Contain("#r \"nuget: TaskGraph"));
    }

    [Test]
    public void EveryCodeCellRuns()
    {
        var failed = _runs.FirstOrDefault(r => r.Error is not null);
        Assert.That(failed, Is.Null, failed is null ? "" : $"cell {failed.Cell.Index} failed:\n{failed.Cell.Source}\n{failed.Error}");
        Assert.That(_runs, Has.Count.EqualTo(_notebook.CodeCells.Count()));
    }

    [Test]
    public void HasFrameAndArraySections()
    {
        var headings = _notebook.Cells.Where(c => c.Kind == "markdown").Select(c => c.Source.Split('\n')[0]).ToList();
        Assert.That(headings, Does.Contain("## Frames: a pipeline on generated data").And.Contain("## Arrays: a chunked reduction"));
    }

    [Test]
    public void DelayedBasicsComputeTheSum() => Assert.That(Cell("var z = add(x, y);").ReturnValue, Is.EqualTo(5));

    [Test]
    public void TheGraphCellShowsTheGraphAsSvg()
    {
        var value = _runs.Single(r => r.Cell.Source.Trim() == "z").ReturnValue;
        Assert.That(value, Is.InstanceOf<Delayed<int>>(), "the notebook's types are the library's types (one copy loaded)");
        var html = Parse(ConventionFormatter.Format(value!)!);
        AssertIncIncAddGraph(html.Elements().Single(e => e.Name.LocalName == "svg"));
    }

    /// <summary>The quickstart's graph cell: inc(1), inc(2) and add, two edges (shared with the real-kernel test).</summary>
    internal static void AssertIncIncAddGraph(XElement svg)
    {
        var nodes = svg.Descendants().Where(e => (string?)e.Attribute("class") == "node").ToList();
        Assert.That(nodes, Has.Count.EqualTo(3), "inc(1), inc(2), add");
        Assert.That(svg.Descendants().Count(e => (string?)e.Attribute("class") == "edge"), Is.EqualTo(2));
        var labels = nodes.SelectMany(n => n.Descendants(Svg + "text")).Select(t => t.Value).ToList();
        Assert.That(labels.Count(l => l == "inc"), Is.EqualTo(2));
        Assert.That(labels.Count(l => l == "add"), Is.EqualTo(1));
    }

    [Test]
    public void TheLazyFrameShowsItsSchemaPartitionsAndTasksWithoutComputing()
    {
        var frame = Cell("Frame.ReadCsv").ReturnValue as Frame;
        Assert.That(frame, Is.Not.Null);
        var html = Parse(ConventionFormatter.Format(frame!)!);
        var columns = html.Descendants().Where(e => e.Name.LocalName == "th" && e.Attribute("data-column") is not null).Select(e => (string)e.Attribute("data-column")!).ToList();
        Assert.That(columns, Is.EqualTo(new[] { "vendor", "fare_sum", "tip_pct_mean", "count" }));
        Assert.That(html.WithClass("span", "partitions").Single().Value, Is.EqualTo(frame!.NPartitions.ToString()));
        // 64 KB blocks split the generated CSV: several read tasks, then the group-by's tree.
        Assert.That(int.Parse(html.WithClass("span", "tasks").Single().Value), Is.EqualTo(frame.TaskCounts().Tasks).And.GreaterThan(2));
    }

    [Test]
    public void TheComputedTableShowsRowsAndTypes()
    {
        var table = Cell("var table = byVendor.SortBy").ReturnValue as Table;
        Assert.That(table, Is.Not.Null);
        Assert.That(table!.RowCount, Is.EqualTo(5));
        Assert.That(table["count"].GetValue(0), Is.EqualTo(3_958L), "20,000 rows, fare 0 in 1 of 97, vendor V0 gets every fifth");
        var html = Parse(ConventionFormatter.Format(table)!);
        var body = html.Descendants().Where(e => e.Name.LocalName == "tbody").Single();
        Assert.That(body.Elements().Count(e => e.Name.LocalName == "tr"), Is.EqualTo(5));
        Assert.That(html.WithClass("span", "dtype").Select(e => e.Value), Is.EqualTo(new[] { "String", "Double", "Double", "Int64" }));
        Assert.That(html.WithClass("span", "rows").Single().Value, Is.EqualTo("5"));
    }

    [Test]
    public void TheQueryGivesTheSameTableOnWorkerProcesses()
    {
        var threads = (Table)Cell("var table = byVendor.SortBy").ReturnValue!;
        var processes = (Table)Cell("Scheduler.Processes(2)").ReturnValue!;
        Assert.That(Enumerable.Range(0, processes.RowCount).Select(processes.Row), Is.EqualTo(Enumerable.Range(0, threads.RowCount).Select(threads.Row)));
    }

    [Test]
    public void TheArrayShowsItsBlocksWithoutComputing()
    {
        var x = Cell("NdArray.Random").ReturnValue as NdArray;
        Assert.That(x, Is.Not.Null);
        var html = Parse(ConventionFormatter.Format(x!)!);
        var svg = html.Descendants().Single(e => e.Name.LocalName == "svg");
        Assert.That((string?)svg.Attribute("data-dtype"), Is.EqualTo("float64"));
        // 4 x 4 blocks of 500: the diagram draws the 5 row and 5 column lines of the grid.
        Assert.That(svg.WithClass("line", "row-line").Count(), Is.EqualTo(5));
        Assert.That(svg.WithClass("line", "col-line").Count(), Is.EqualTo(5));
    }

    [Test]
    public void TheArrayReductionIsNearItsExpectedValue()
        => Assert.That((double)Cell("colmeanSum").ReturnValue!, Is.EqualTo(2_000).Within(1.0));

    [Test]
    public void ALambdaFromACellRunsInTheWorkerProcesses()
    {
        Assert.That(Cell("new TipShare(").ReturnValue, Is.EqualTo(new[] { 5.0, 10, 15, 20, 25, 30, 35, 40 }));
        Assert.That(Cell("s.Process == kernel").ReturnValue, Is.EqualTo(0), "none ran in this process");
    }

    [Test]
    public void SchedulersAgree() => Assert.That(Cell("onTwoThreads").ReturnValue, Is.EqualTo((5, 5)));

    [Test]
    public void ProgressIsShownOnceAndUpdatedInPlace()
    {
        var run = Cell("new ProgressBar()");
        Assert.That(run.ReturnValue, Is.EqualTo(Enumerable.Range(0, 100).Sum(i => i * i)));
        var displays = run.Shown.Where(s => s.Kind == "display").ToList();
        Assert.That(displays, Has.Count.EqualTo(1), "the kernel's display was found and used once");
        Assert.That(run.Shown.Where(s => s.Kind == "update").Select(s => s.DisplayId), Is.Not.Empty.And.All.EqualTo(displays[0].DisplayId));
        var final = (ProgressSnapshot)run.Shown[^1].Value;
        Assert.That((final.Finished, final.Done, final.Total), Is.EqualTo((true, 101, 101)), "100 squares and the fused gather → sum");
        var html = Parse(ConventionFormatter.Format(final)!);
        Assert.That(html.WithClass("span", "percent").Single().Value, Is.EqualTo("100%"));
        Assert.That(html.WithClass("span", "status").Single().Value, Is.EqualTo("done"));
    }

    [Test]
    public void TheProfileShowsTaskStreamResourcesAndTimePerFunction()
    {
        var report = Cell("prof.Report(resources)").ReturnValue as ProfileReport;
        Assert.That(report, Is.Not.Null);
        var html = Parse(ConventionFormatter.Format(report!)!);
        var bars = html.WithClass("rect", "task").ToList();
        Assert.That(bars, Has.Count.EqualTo(101));
        var workers = html.WithClass("g", "worker-row").Count();
        Assert.That(workers, Is.InRange(1, 4), "Threads(4): at most four rows");
        Assert.That(bars.Select(b => (string)b.Attribute("data-worker")!).Distinct().Count(), Is.EqualTo(workers));
        var functions = html.WithClass("table", "functions").Single().Descendants("tbody").Single().Elements("tr").Select(r => (string)r.Attribute("data-function")!);
        Assert.That(functions, Is.EquivalentTo(new[] { "square", "gather → sum" }));
        var resources = html.WithClass("svg", "resources").Single();
        Assert.That(resources.WithClass("polyline", "cpu").Select(p => (string)p.Attribute("data-process")!), Is.EqualTo(new[] { "main" }));
        Assert.That(resources.WithClass("polyline", "memory").Single().Attribute("points")!.Value.Split(' ').Length, Is.GreaterThanOrEqualTo(2));
    }

    [Test]
    public void MagicLinesAreTranslated()
    {
        var (code, packages) = NotebookRunner.Translate("#!csharp\n#i \"nuget: /tmp/pkgs\"\n#r \"nuget: TaskGraph, 0.1.0\"\nvar a = 1;");
        Assert.That(packages, Is.EqualTo(new[] { "TaskGraph" }));
        Assert.That(code, Is.EqualTo("\n\n\nvar a = 1;"));
    }
}
