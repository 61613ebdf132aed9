using System.Reflection;

namespace TaskGraph.Tests;

/// <summary>Deterministic keys, and tasks as data (what out-of-process schedulers will serialize).</summary>
public class KeyTests
{
    private static int Inc(int x) => x + 1;

    [Test]
    public void SameFunctionAndArgumentsGiveTheSameKey()
    {
        var inc = Delayed.Wrap<int, int>(Inc);
        Assert.That(inc(5).Key, Is.EqualTo(inc(5).Key));
        Assert.That(inc(5).Key, Is.Not.EqualTo(inc(6).Key));
        Assert.That(inc(inc(5)).Key, Is.EqualTo(inc(inc(5)).Key));
        Assert.That(Delayed.Value("a").Key, Is.EqualTo(Delayed.Value("a").Key));
    }

    [Test]
    public void ClosuresWithDifferentCapturedValuesGetDifferentKeys()
    {
        var keys = Enumerable.Range(0, 3).Select(i => Delayed.Run(() => i * 2).Key).ToList();
        Assert.That(keys.Distinct().Count(), Is.EqualTo(3));
        // The same lambda over equal captured values: one closure class, one method, equal fields.
        static Delayed<int> Twice(int v) => Delayed.Run(() => v * 2);
        Assert.That(Twice(4).Key, Is.EqualTo(Twice(4).Key));
        Assert.That(Twice(4).Key, Is.Not.EqualTo(Twice(5).Key));
    }

    [Test]
    public void UnfingerprintableCaptureMakesTheCallImpure()
    {
        // A StringBuilder is mutable state the tokenizer cannot fingerprint (a List is fingerprinted by content).
        var text = new System.Text.StringBuilder("a");
        Assert.That(Delayed.Run(() => text.Length).Key, Is.Not.EqualTo(Delayed.Run(() => text.Length).Key));
    }

    [Test]
    public void KeyNamesAreReadable()
    {
        Assert.That(Delayed.Wrap<int, int>(Inc)(1).Key.ToString(), Does.Match("^Inc-[0-9a-f]{16}$"));
        Assert.That(Delayed.Run(() => 1, name: "load").Key.Name, Is.EqualTo("load"));
        Assert.That(TaskKey.ForPartition("read-csv", new Token(1, 2), 3).ToString(), Does.EndWith("[3]"));
    }

    [Test]
    public void ImpureGivesAFreshKeyEachTime()
    {
        var x = Delayed.Value(1).Then(Inc);
        Assert.That(x.Impure().Key, Is.Not.EqualTo(x.Impure().Key));
    }
}

public class TaskSpecTests
{
    [Test]
    public void TaskRecordsFunctionIdentityAndArguments()
    {
        int offset = 3;
        var a = Delayed.Value(2);
        var c = Delayed.Combine<int, int, int>(a, 10, (x, y) => x * y + offset);
        var spec = c.Spec;
        Assert.That(spec.IsLiteral, Is.False);
        Assert.That(spec.Function!.Method.Name, Does.Contain("b__"));
        Assert.That(spec.Function.Target, Is.Not.Null, "the closure holding 'offset' is the target");
        Assert.That(spec.Function.Target!.GetType().GetField("offset")!.GetValue(spec.Function.Target), Is.EqualTo(3));
        Assert.That(spec.Function.InvokerMethod.Name, Is.EqualTo("Call2"));
        Assert.That(spec.Function.InvokerMethod.GetGenericArguments(), Is.EqualTo(new[] { typeof(int), typeof(int), typeof(int) }));
        Assert.That(spec.Args.Length, Is.EqualTo(2));
        Assert.That(spec.Args[0].Dependency!.Key, Is.EqualTo(a.Key));
        Assert.That(spec.Args[1].IsDependency, Is.False);
        Assert.That(spec.Args[1].Literal, Is.EqualTo(10));
    }

    [Test]
    public void InvokerCanBeRebuiltFromItsMethod()
    {
        // What a worker process does: rebuild the invoker from the method it was told, call it on the function.
        var spec = Delayed.Combine<int, int, int>(Delayed.Value(6), 7, (x, y) => x * y).Spec;
        var invoker = spec.Function!.InvokerMethod.CreateDelegate<TaskInvoker>();
        var fn = Delegate.CreateDelegate(spec.Function.Delegate.GetType(), spec.Function.Target, spec.Function.Method);
        Assert.That(invoker(fn, [6, 7]), Is.EqualTo(42));
    }

    [Test]
    public void LiteralTaskHoldsItsValue()
    {
        var spec = Delayed.Value(new[] { 1, 2 }).Spec;
        Assert.That(spec.IsLiteral, Is.True);
        Assert.That(spec.Value, Is.EqualTo(new[] { 1, 2 }));
    }

    [Test]
    public void NullFunctionIsRejectedWithItsName()
    {
        var e = Assert.Throws<ArgumentNullException>(() => Delayed.Run<int>(null!))!;
        Assert.That(e.ParamName, Is.EqualTo("function"));
        Assert.Throws<ArgumentNullException>(() => Delayed.Value(1).Then<int>(null!));
        Assert.Throws<ArgumentNullException>(() => Delayed.Combine<int, int, int>(1, null!, (a, b) => a));
    }
}

public class VisualizeTests
{
    private static Delayed<int> Sample()
    {
        var a = Delayed.Value(1, "a");
        var b = a.Then(x => x + 1, "b");
        var c = a.Then(x => x + 2, "c");
        return Delayed.Combine(b, c, (x, y) => x + y, "sum");
    }

    [Test]
    public void DotHasANodePerTaskAndAnEdgePerDependency()
    {
        var dot = Sample().ToDot();
        Assert.That(dot, Does.StartWith("digraph"));
        Assert.That(System.Text.RegularExpressions.Regex.Matches(dot, @"n\d+ \[label").Count, Is.EqualTo(4));
        Assert.That(System.Text.RegularExpressions.Regex.Matches(dot, @"n\d+ -> n\d+").Count, Is.EqualTo(4));
    }

    [Test]
    public void OwnLayoutIsValidSvgWithEveryTask()
    {
        var plan = ExecutionPlan.Compile([Sample().Spec], fuse: false);
        var svg = System.Xml.Linq.XDocument.Parse(GraphPicture.ToSvg(plan, useGraphviz: false));
        System.Xml.Linq.XNamespace ns = "http://www.w3.org/2000/svg";
        Assert.That(svg.Root!.Name, Is.EqualTo(ns + "svg"));
        Assert.That(svg.Descendants(ns + "rect").Count(), Is.EqualTo(4));
        Assert.That(svg.Descendants(ns + "line").Count(), Is.EqualTo(4));
        Assert.That(svg.Descendants(ns + "text").Select(t => t.Value), Does.Contain("sum"));
    }

    [Test]
    public void GraphvizMissingGivesAClearMessage()
    {
        var saved = GraphPicture.DotPath;
        try
        {
            GraphPicture.DotPath = "/nonexistent/dot";
            var plan = ExecutionPlan.Compile([Sample().Spec]);
            var e = Assert.Throws<InvalidOperationException>(() => GraphPicture.ToSvg(plan, useGraphviz: true))!;
            Assert.That(e.Message, Does.Contain("graphviz").IgnoreCase.And.Contain("useGraphviz: false"));
            Assert.That(GraphPicture.ToSvg(plan), Does.Contain("<svg"), "without Graphviz the own layout is used");
        }
        finally { GraphPicture.DotPath = saved; }
    }

    [Test]
    public void VisualizeWritesAnSvgFile()
    {
        var path = Path.Combine(Path.GetTempPath(), $"tg-{Guid.NewGuid():N}.svg");
        try
        {
            Sample().Visualize(path);
            var doc = System.Xml.Linq.XDocument.Load(path);
            Assert.That(doc.Root!.Name.LocalName, Is.EqualTo("svg"));
            Assert.That(doc.Descendants().Count(e => e.Name.LocalName == "g" && (string?)e.Attribute("class") == "node"), Is.EqualTo(4));
        }
        finally { File.Delete(path); }
    }
}
