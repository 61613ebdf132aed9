using System.Reflection;
using System.Xml.Linq;
using TaskGraph.Tests.Diagnostics;
using static TaskGraph.Tests.Diagnostics.ReportXml;

namespace TaskGraph.Tests.Notebooks;

/// <summary>What notebooks show for TaskGraph values, found the way the .NET Interactive kernel finds it.</summary>
public class DisplayTests
{
    private static readonly Assembly[] Assemblies = [typeof(Delayed).Assembly, typeof(ProgressBar).Assembly];

    private static Delayed<int> Diamond()
    {
        var a = Delayed.Value(3, "a");
        var b = a.Then(x => x + 1, "inc");
        var c = a.Then(x => x * 2, "double");
        return Delayed.Combine(b, c, (x, y) => x + y, "add");
    }

    [Test]
    public void EveryFormatterSourceHasTheConventionalShape()
    {
        var annotated = Assemblies.SelectMany(a => a.GetTypes())
            .Where(t => t.GetCustomAttributes(false).Any(a => a.GetType().Name == "TypeFormatterSourceAttribute")).ToList();
        Assert.That(annotated.Select(t => t.Name), Is.SupersetOf(new[] { "Delayed`1", "ProgressSnapshot", "Profiler", "ResourceProfiler", "ProfileReport", "Table", "Frame", "NdArray" }));
        foreach (var type in annotated)
        {
            var (formatters, preferred) = ConventionFormatter.For(type);
            Assert.That(formatters, Is.Not.Empty, type.Name);
            Assert.That(preferred, Does.Contain("text/html"), type.Name);
            foreach (var source in type.GetCustomAttributes(false).Where(a => a.GetType().Name == "TypeFormatterSourceAttribute")
                         .Select(a => (Type)a.GetType().GetProperty("FormatterSourceType")!.GetValue(a)!))
            {
                Assert.That(source.GetConstructor(Type.EmptyTypes), Is.Not.Null, $"{source.Name} needs a public parameterless constructor");
                Assert.That(source.GetMethod("CreateTypeFormatters")!.ReturnType, Is.EqualTo(typeof(IEnumerable<object>)));
            }
            foreach (var f in formatters)
                Assert.That(f.Type.IsAssignableFrom(type) || (type.IsGenericTypeDefinition && f.Type.IsAssignableFrom(type.MakeGenericType(typeof(int)))), Is.True, $"{type.Name}: formatter for {f.Type.Name}");
        }
    }

    [Test]
    public void FormatterObjectsHaveExactlyOneFormatMethod()
    {
        foreach (var type in new[] { typeof(Delayed<int>), typeof(ProfileReport), typeof(ProgressSnapshot) })
        {
            var source = type.GetCustomAttributes(false).Single(a => a.GetType().Name == "TypeFormatterSourceAttribute");
            var sourceType = (Type)source.GetType().GetProperty("FormatterSourceType")!.GetValue(source)!;
            var created = (IEnumerable<object>)sourceType.GetMethod("CreateTypeFormatters")!.Invoke(Activator.CreateInstance(sourceType), null)!;
            foreach (var f in created)
            {
                var formats = f.GetType().GetMethods(BindingFlags.Public | BindingFlags.Instance).Where(m => m.Name == "Format").ToList();
                Assert.That(formats, Has.Count.EqualTo(1));
                Assert.That(formats[0].GetParameters().Select(p => p.ParameterType), Is.EqualTo(new[] { typeof(object), typeof(TextWriter) }));
                Assert.That(formats[0].ReturnType, Is.EqualTo(typeof(bool)));
                Assert.That(f.GetType().GetProperty("MimeType")!.PropertyType, Is.EqualTo(typeof(string)));
                Assert.That(f.GetType().GetProperty("Type")!.PropertyType, Is.EqualTo(typeof(Type)));
            }
        }
    }

    [Test]
    public void DelayedShowsItsGraphAsSvgWithOneNodePerTask()
    {
        var d = Diamond();
        var html = Parse(ConventionFormatter.Format(d)!);
        Assert.That((string)html.Attribute("class")!, Is.EqualTo("taskgraph-delayed"));
        Assert.That(html.WithClass("span", "tasks").Single().Value, Is.EqualTo("4"));
        Assert.That(html.WithClass("code", "key").Single().Value, Is.EqualTo(d.Key.ToString()));
        Assert.That(html.Element("p")!.Value, Does.StartWith("Delayed<Int32>"));
        var svg = html.Elements().Single(e => e.Name.LocalName == "svg");
        Assert.That(svg.Name.Namespace, Is.EqualTo(Svg));
        Assert.That(svg.Descendants().Count(e => (string?)e.Attribute("class") == "node"), Is.EqualTo(4));
        Assert.That(svg.Descendants().Count(e => (string?)e.Attribute("class") == "edge"), Is.EqualTo(4));
        var labels = string.Join(" ", svg.Descendants(Svg + "text").Select(t => t.Value));
        Assert.That(labels, Does.Contain("inc").And.Contain("double").And.Contain("add"));
    }

    [Test]
    public void DelayedAlsoHasABareSvgFormatter()
    {
        var svg = Parse(ConventionFormatter.Format(Diamond(), "image/svg+xml")!);
        Assert.That(svg.Name, Is.EqualTo(Svg + "svg"));
    }

    [Test]
    public void HugeGraphsShowTheirSizeInsteadOfAPicture()
    {
        var big = Delayed.All(Enumerable.Range(0, 400).Select(i => Delayed.Value(i)));
        var html = Parse(ConventionFormatter.Format(big)!);
        Assert.That(html.Elements().Any(e => e.Name.LocalName == "svg"), Is.False);
        Assert.That(html.WithClass("p", "too-large").Single().Value, Does.StartWith("401 tasks"));
    }

    [Test]
    public void DiagnosticsShowAsHtml()
    {
        using var prof = new Profiler();
        using var res = new ResourceProfiler(TimeSpan.FromMilliseconds(50));
        Diamond().Compute(Scheduler.Synchronous);
        Assert.That((string)Parse(ConventionFormatter.Format(prof)!).Attribute("class")!, Is.EqualTo("taskgraph-profile"));
        Assert.That(Parse(ConventionFormatter.Format(res)!).WithClass("svg", "resources").Count(), Is.EqualTo(1));
        var report = Parse(ConventionFormatter.Format(prof.Report(res))!);
        Assert.That(report.WithClass("rect", "task").Count(), Is.EqualTo(4), "a diamond does not fuse: one bar per task");
        var snapshot = new ProgressSnapshot { Done = 1, Total = 2, Elapsed = TimeSpan.FromSeconds(1) };
        Assert.That((string)Parse(ConventionFormatter.Format(snapshot)!).Attribute("class")!, Is.EqualTo("taskgraph-progress"));
    }
}
