using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Xml.Linq;
using TaskGraph.Tests.Diagnostics;
using static TaskGraph.Tests.Diagnostics.ReportXml;

namespace TaskGraph.Tests.Clients;

/// <summary>
/// examples/quickstart.ipynb executed in the real .NET Interactive kernel under Jupyter
/// (<c>jupyter nbconvert --execute</c>, kernel <c>.net-csharp</c>), restoring this run's packed packages with the
/// notebook's own <c>#i "nuget: folder"</c> / <c>#r "nuget: TaskGraph, version"</c> lines (only the folder and the
/// version are rewritten). The saved notebook is then read as a user would see it: every cell ran, every output
/// is HTML, the rich displays parse and have the expected structure, the progress display ended at 100 %.
/// Jupyter and dotnet-interactive are required (CI's .ci/run installs them): without them this fixture fails.
/// </summary>
[NonParallelizable]
public class RealKernelNotebookTests
{
    private JsonArray _cells = null!;

    [OneTimeSetUp]
    public void ExecuteTheNotebookInTheKernel()
    {
        var tools = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".dotnet", "tools");
        var path = tools + Path.PathSeparator + Environment.GetEnvironmentVariable("PATH");
        var jupyter = path.Split(Path.PathSeparator).Select(d => Path.Combine(d, "jupyter")).FirstOrDefault(File.Exists);
        var kernelSpec = Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".local", "share", "jupyter", "kernels", ".net-csharp", "kernel.json");
        if (jupyter is null || !File.Exists(kernelSpec))
            Assert.Fail("The real-kernel notebook test needs Jupyter and the .NET Interactive kernel: apt-get install jupyter-core " +
                        "python3-nbconvert python3-nbclient python3-jupyter-client python3-ipykernel jupyter-nbconvert; " +
                        "dotnet tool install -g Microsoft.dotnet-interactive --version 1.0.712001; mkdir -p ~/.local/share/jupyter/kernels; " +
                        $"dotnet interactive jupyter install (.ci/run does this). Missing: {(jupyter is null ? "jupyter on PATH" : kernelSpec)}.");

        var packages = PackedPackages.Current;
        var dir = Path.Combine(packages.Root, "notebook");
        Directory.CreateDirectory(dir);
        var notebook = JsonNode.Parse(File.ReadAllText(Path.Combine(TestBroker.RepoRoot(), "examples", "quickstart.ipynb")))!;
        var first = notebook["cells"]!.AsArray().First(c => (string?)c!["cell_type"] == "code")!;
        var source = string.Concat(first["source"]!.AsArray().Select(l => (string?)l));
        Assert.That(source, Does.Match("#i \"nuget: [^\"]+\"\\s*\\n#r \"nuget: TaskGraph, [^\"]+\""), "the first cell restores the packages as README says");
        source = System.Text.RegularExpressions.Regex.Replace(source, "#i \"nuget: [^\"]+\"", $"#i \"nuget: {packages.Folder}\"");
        source = System.Text.RegularExpressions.Regex.Replace(source, "#r \"nuget: TaskGraph, [^\"]+\"", $"#r \"nuget: TaskGraph, {packages.Version}\"");
        first["source"] = source;
        File.WriteAllText(Path.Combine(dir, "in.ipynb"), notebook.ToJsonString());

        PackedPackages.Run(jupyter!, ["nbconvert", "--to", "notebook", "--execute", "--ExecutePreprocessor.kernel_name=.net-csharp",
                "--ExecutePreprocessor.timeout=600", "--output", "out.ipynb", "in.ipynb"],
            dir, TimeSpan.FromMinutes(12), new Dictionary<string, string?> { ["PATH"] = path });
        _cells = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "out.ipynb")))!["cells"]!.AsArray();
    }

    private IEnumerable<JsonNode> CodeCells => _cells.Where(c => (string?)c!["cell_type"] == "code")!;

    private static string Text(JsonNode? node) => node is JsonArray a ? string.Concat(a.Select(l => (string?)l)) : (string?)node ?? "";

    /// <summary>The code cell whose source contains <paramref name="marker"/>.</summary>
    private JsonNode Cell(string marker) => CodeCells.Single(c => Text(c["source"]).Contains(marker, StringComparison.Ordinal));

    /// <summary>The HTML outputs (displays and results) of <paramref name="cell"/>.</summary>
    private static List<string> Html(JsonNode cell) => cell["outputs"]!.AsArray()
        .Where(o => (string?)o!["output_type"] is "display_data" or "execute_result")
        .Select(o => Text(o!["data"]!["text/html"])).ToList();

    /// <summary>The cell's result as parsed HTML (the kernel may add style blocks beside it: all are wrapped in one root).</summary>
    private static XElement Result(JsonNode cell)
    {
        var result = cell["outputs"]!.AsArray().Single(o => (string?)o!["output_type"] == "execute_result")!;
        return Parse("<root>" + Text(result["data"]!["text/html"]) + "</root>");
    }

    private static string PlainResult(JsonNode cell) => Result(cell).Descendants().First(e => e.Name.LocalName == "pre").Value;

    [Test]
    public void EveryCodeCellRanWithoutAnError()
    {
        foreach (var cell in CodeCells)
        {
            var outputs = cell["outputs"]!.AsArray();
            var errors = outputs.Where(o => (string?)o!["output_type"] == "error" || (string?)o!["name"] == "stderr").Select(o => o!.ToJsonString()).ToList();
            Assert.That(errors, Is.Empty, $"cell:\n{Text(cell["source"])}");
            Assert.That(outputs, Is.Not.Empty, $"every cell shows something:\n{Text(cell["source"])}");
        }
    }

    [Test]
    public void EveryOutputIsHtml()
    {
        foreach (var cell in CodeCells)
        foreach (var o in cell["outputs"]!.AsArray().Where(o => (string?)o!["output_type"] is "display_data" or "execute_result"))
            Assert.That(o!["data"]!.AsObject().Select(p => p.Key), Is.EqualTo(new[] { "text/html" }), Text(cell["source"]));
    }

    [Test]
    public void TheFirstCellRestoredThePackageFromTheFolder()
    {
        var html = string.Concat(Html(Cell("#r \"nuget: TaskGraph")));
        Assert.That(html, Does.Contain(PackedPackages.Current.Folder).And.Contain($"TaskGraph, {PackedPackages.Current.Version}"));
    }

    [Test]
    public void DelayedBasicsComputeTheSum() => Assert.That(PlainResult(Cell("var z = add(x, y);")), Is.EqualTo("5"));

    [Test]
    public void TheGraphCellShowsTheGraphAsSvg()
    {
        var svg = Result(CodeCells.Single(c => Text(c["source"]).Trim() == "z")).Descendants().Single(e => e.Name.LocalName == "svg");
        Notebooks.QuickstartNotebookTests.AssertIncIncAddGraph(svg);
    }

    [Test]
    public void TheLazyFrameShowsItsSchema()
    {
        var html = Result(Cell("Frame.ReadCsv"));
        var columns = html.Descendants().Where(e => e.Name.LocalName == "th" && e.Attribute("data-column") is not null).Select(e => (string)e.Attribute("data-column")!);
        Assert.That(columns, Is.EqualTo(new[] { "vendor", "fare_sum", "tip_pct_mean", "count" }));
        // 64 KB blocks split the generated CSV: several read tasks, then the group-by's tree.
        Assert.That(int.Parse(html.WithClass("span", "tasks").Single().Value), Is.GreaterThan(2));
    }

    [Test]
    public void TheTableIsTheSameOnThreadsAndOnWorkerProcesses()
    {
        var threads = Result(Cell("var table = byVendor.SortBy"));
        var processes = Result(Cell("Scheduler.Processes(2)"));
        var body = threads.Descendants().Single(e => e.Name.LocalName == "tbody");
        Assert.That(body.Elements().Count(e => e.Name.LocalName == "tr"), Is.EqualTo(5));
        Assert.That(threads.WithClass("span", "dtype").Select(e => e.Value), Is.EqualTo(new[] { "String", "Double", "Double", "Int64" }));
        Assert.That(processes.Descendants().Single(e => e.Name.LocalName == "tbody").ToString(), Is.EqualTo(body.ToString()));
    }

    /// <summary>The lambda and the record types are the notebook's own (compiled in memory): the pool shipped them to its workers.</summary>
    [Test]
    public void ALambdaFromACellRanInTheWorkerProcesses()
    {
        Assert.That(PlainResult(Cell("new TipShare(")), Is.EqualTo("[ 5, 10, 15, 20, 25, 30, 35, 40 ]"));
        Assert.That(PlainResult(Cell("s.Process == kernel")), Is.EqualTo("0"), "none ran in the kernel's process");
    }

    [Test]
    public void TheArrayShowsItsBlocksAndItsReduction()
    {
        var svg = Result(Cell("NdArray.Random")).Descendants().Single(e => e.Name.LocalName == "svg");
        Assert.That((string?)svg.Attribute("data-dtype"), Is.EqualTo("float64"));
        Assert.That(svg.WithClass("line", "row-line").Count(), Is.EqualTo(5));
        Assert.That(svg.WithClass("line", "col-line").Count(), Is.EqualTo(5));
        Assert.That(double.Parse(PlainResult(Cell("var colmeanSum")), CultureInfo.InvariantCulture), Is.EqualTo(2_000).Within(1.0));
    }

    [Test]
    public void TheProgressDisplayWasUpdatedInPlaceTo100Percent()
    {
        var cell = Cell("new ProgressBar()");
        var displays = cell["outputs"]!.AsArray().Where(o => (string?)o!["output_type"] == "display_data").ToList();
        Assert.That(displays, Has.Count.EqualTo(1), "one display, updated in place (an update under another id would be dropped, or shown as a second output)");
        var bar = Parse(Text(displays[0]!["data"]!["text/html"]));
        Assert.That((string?)bar.Attribute("data-status"), Is.EqualTo("done"));
        Assert.That(bar.WithClass("span", "percent").Single().Value, Is.EqualTo("100%"));
        Assert.That((bar.WithClass("span", "done").Single().Value, bar.WithClass("span", "total").Single().Value), Is.EqualTo(("101", "101")));
        Assert.That(PlainResult(cell), Is.EqualTo(Enumerable.Range(0, 100).Sum(i => i * i).ToString(CultureInfo.InvariantCulture)));
    }

    [Test]
    public void TheProfileShowsTaskStreamAndTimePerFunction()
    {
        var html = Result(Cell("prof.Report(resources)"));
        Assert.That(html.WithClass("rect", "task").Count(), Is.EqualTo(101));
        var functions = html.WithClass("table", "functions").Single().Descendants("tbody").Single().Elements("tr").Select(r => (string)r.Attribute("data-function")!);
        Assert.That(functions, Is.EquivalentTo(new[] { "square", "gather → sum" }));
    }
}
